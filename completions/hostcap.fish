# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_hostcap_global_optspecs
    string join \n json format= passive from= require= q/quiet v/verbose user= uid= color= h/help V/version
end

function __fish_hostcap_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_hostcap_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_hostcap_using_subcommand
    set -l cmd (__fish_hostcap_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c hostcap -n "__fish_hostcap_needs_command" -l format -d 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin\'s line' -r -f -a "human\t'The report for people (the default)'
json\t'The report as JSON, schema hostcap/report/v2'
prometheus\t'node_exporter textfile-collector metrics: verdicts, findings, when the check ran'
nagios\t'One Nagios plugin line with perfdata; the exit code is the plugin state'"
complete -c hostcap -n "__fish_hostcap_needs_command" -l from -d 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle\'s .tar.gz' -r -F
complete -c hostcap -n "__fish_hostcap_needs_command" -l require -d 'The target whose verdict sets the exit code' -r -f -a "rootless-podman\t''
rootless-docker\t''
bubblewrap\t''
nix-sandbox\t''
guix-daemon\t''
chroot\t''
proot\t''
vm\t''"
complete -c hostcap -n "__fish_hostcap_needs_command" -l user -d 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)' -r
complete -c hostcap -n "__fish_hostcap_needs_command" -l uid -d 'As root: judge for the user with this uid (like --user)' -r
complete -c hostcap -n "__fish_hostcap_needs_command" -l color -d 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hostcap -n "__fish_hostcap_needs_command" -l json -d 'Print the report as JSON (schema hostcap/report/v2); the same as --format json'
complete -c hostcap -n "__fish_hostcap_needs_command" -l passive -d 'Read files only; run no experiments'
complete -c hostcap -n "__fish_hostcap_needs_command" -s q -l quiet -d 'Print nothing; only the exit code answers'
complete -c hostcap -n "__fish_hostcap_needs_command" -s v -l verbose -d 'Show every finding, the passing ones too, with evidence'
complete -c hostcap -n "__fish_hostcap_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hostcap -n "__fish_hostcap_needs_command" -s V -l version -d 'Print version'
complete -c hostcap -n "__fish_hostcap_needs_command" -f -a "check" -d 'Check this host (the default command)'
complete -c hostcap -n "__fish_hostcap_needs_command" -f -a "explain" -d 'Explain a finding id or a target in full'
complete -c hostcap -n "__fish_hostcap_needs_command" -f -a "list" -d 'List every finding id and target'
complete -c hostcap -n "__fish_hostcap_needs_command" -f -a "bundle" -d 'Write a support bundle: the report and exactly what the check read, redacted, as one .tar.gz that `hostcap check --from FILE` replays on another machine'
complete -c hostcap -n "__fish_hostcap_needs_command" -f -a "summarize" -d 'Summarize many hosts\' reports (`check --json` files, folders of them, bundles) in one table of verdicts and the causes the hosts share'
complete -c hostcap -n "__fish_hostcap_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c hostcap -n "__fish_hostcap_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hostcap -n "__fish_hostcap_using_subcommand check" -l format -d 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin\'s line' -r -f -a "human\t'The report for people (the default)'
json\t'The report as JSON, schema hostcap/report/v2'
prometheus\t'node_exporter textfile-collector metrics: verdicts, findings, when the check ran'
nagios\t'One Nagios plugin line with perfdata; the exit code is the plugin state'"
complete -c hostcap -n "__fish_hostcap_using_subcommand check" -l from -d 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle\'s .tar.gz' -r -F
complete -c hostcap -n "__fish_hostcap_using_subcommand check" -l require -d 'The target whose verdict sets the exit code' -r -f -a "rootless-podman\t''
rootless-docker\t''
bubblewrap\t''
nix-sandbox\t''
guix-daemon\t''
chroot\t''
proot\t''
vm\t''"
complete -c hostcap -n "__fish_hostcap_using_subcommand check" -l user -d 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)' -r
complete -c hostcap -n "__fish_hostcap_using_subcommand check" -l uid -d 'As root: judge for the user with this uid (like --user)' -r
complete -c hostcap -n "__fish_hostcap_using_subcommand check" -l color -d 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hostcap -n "__fish_hostcap_using_subcommand check" -l json -d 'Print the report as JSON (schema hostcap/report/v2); the same as --format json'
complete -c hostcap -n "__fish_hostcap_using_subcommand check" -l passive -d 'Read files only; run no experiments'
complete -c hostcap -n "__fish_hostcap_using_subcommand check" -s q -l quiet -d 'Print nothing; only the exit code answers'
complete -c hostcap -n "__fish_hostcap_using_subcommand check" -s v -l verbose -d 'Show every finding, the passing ones too, with evidence'
complete -c hostcap -n "__fish_hostcap_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hostcap -n "__fish_hostcap_using_subcommand explain" -l format -d 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin\'s line' -r -f -a "human\t'The report for people (the default)'
json\t'The report as JSON, schema hostcap/report/v2'
prometheus\t'node_exporter textfile-collector metrics: verdicts, findings, when the check ran'
nagios\t'One Nagios plugin line with perfdata; the exit code is the plugin state'"
complete -c hostcap -n "__fish_hostcap_using_subcommand explain" -l from -d 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle\'s .tar.gz' -r -F
complete -c hostcap -n "__fish_hostcap_using_subcommand explain" -l require -d 'The target whose verdict sets the exit code' -r -f -a "rootless-podman\t''
rootless-docker\t''
bubblewrap\t''
nix-sandbox\t''
guix-daemon\t''
chroot\t''
proot\t''
vm\t''"
complete -c hostcap -n "__fish_hostcap_using_subcommand explain" -l user -d 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)' -r
complete -c hostcap -n "__fish_hostcap_using_subcommand explain" -l uid -d 'As root: judge for the user with this uid (like --user)' -r
complete -c hostcap -n "__fish_hostcap_using_subcommand explain" -l color -d 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hostcap -n "__fish_hostcap_using_subcommand explain" -l json -d 'Print the report as JSON (schema hostcap/report/v2); the same as --format json'
complete -c hostcap -n "__fish_hostcap_using_subcommand explain" -l passive -d 'Read files only; run no experiments'
complete -c hostcap -n "__fish_hostcap_using_subcommand explain" -s q -l quiet -d 'Print nothing; only the exit code answers'
complete -c hostcap -n "__fish_hostcap_using_subcommand explain" -s v -l verbose -d 'Show every finding, the passing ones too, with evidence'
complete -c hostcap -n "__fish_hostcap_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hostcap -n "__fish_hostcap_using_subcommand list" -l format -d 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin\'s line' -r -f -a "human\t'The report for people (the default)'
json\t'The report as JSON, schema hostcap/report/v2'
prometheus\t'node_exporter textfile-collector metrics: verdicts, findings, when the check ran'
nagios\t'One Nagios plugin line with perfdata; the exit code is the plugin state'"
complete -c hostcap -n "__fish_hostcap_using_subcommand list" -l from -d 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle\'s .tar.gz' -r -F
complete -c hostcap -n "__fish_hostcap_using_subcommand list" -l require -d 'The target whose verdict sets the exit code' -r -f -a "rootless-podman\t''
rootless-docker\t''
bubblewrap\t''
nix-sandbox\t''
guix-daemon\t''
chroot\t''
proot\t''
vm\t''"
complete -c hostcap -n "__fish_hostcap_using_subcommand list" -l user -d 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)' -r
complete -c hostcap -n "__fish_hostcap_using_subcommand list" -l uid -d 'As root: judge for the user with this uid (like --user)' -r
complete -c hostcap -n "__fish_hostcap_using_subcommand list" -l color -d 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hostcap -n "__fish_hostcap_using_subcommand list" -l json -d 'Print the report as JSON (schema hostcap/report/v2); the same as --format json'
complete -c hostcap -n "__fish_hostcap_using_subcommand list" -l passive -d 'Read files only; run no experiments'
complete -c hostcap -n "__fish_hostcap_using_subcommand list" -s q -l quiet -d 'Print nothing; only the exit code answers'
complete -c hostcap -n "__fish_hostcap_using_subcommand list" -s v -l verbose -d 'Show every finding, the passing ones too, with evidence'
complete -c hostcap -n "__fish_hostcap_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hostcap -n "__fish_hostcap_using_subcommand bundle" -s o -l output -d 'Where to write the bundle; `-` for stdout. Default: hostcap-DATE.tar.gz here' -r -F
complete -c hostcap -n "__fish_hostcap_using_subcommand bundle" -l format -d 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin\'s line' -r -f -a "human\t'The report for people (the default)'
json\t'The report as JSON, schema hostcap/report/v2'
prometheus\t'node_exporter textfile-collector metrics: verdicts, findings, when the check ran'
nagios\t'One Nagios plugin line with perfdata; the exit code is the plugin state'"
complete -c hostcap -n "__fish_hostcap_using_subcommand bundle" -l from -d 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle\'s .tar.gz' -r -F
complete -c hostcap -n "__fish_hostcap_using_subcommand bundle" -l require -d 'The target whose verdict sets the exit code' -r -f -a "rootless-podman\t''
rootless-docker\t''
bubblewrap\t''
nix-sandbox\t''
guix-daemon\t''
chroot\t''
proot\t''
vm\t''"
complete -c hostcap -n "__fish_hostcap_using_subcommand bundle" -l user -d 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)' -r
complete -c hostcap -n "__fish_hostcap_using_subcommand bundle" -l uid -d 'As root: judge for the user with this uid (like --user)' -r
complete -c hostcap -n "__fish_hostcap_using_subcommand bundle" -l color -d 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hostcap -n "__fish_hostcap_using_subcommand bundle" -l no-redact -d 'Keep user names, the host name, addresses and environment values as they are'
complete -c hostcap -n "__fish_hostcap_using_subcommand bundle" -l json -d 'Print the report as JSON (schema hostcap/report/v2); the same as --format json'
complete -c hostcap -n "__fish_hostcap_using_subcommand bundle" -l passive -d 'Read files only; run no experiments'
complete -c hostcap -n "__fish_hostcap_using_subcommand bundle" -s q -l quiet -d 'Print nothing; only the exit code answers'
complete -c hostcap -n "__fish_hostcap_using_subcommand bundle" -s v -l verbose -d 'Show every finding, the passing ones too, with evidence'
complete -c hostcap -n "__fish_hostcap_using_subcommand bundle" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hostcap -n "__fish_hostcap_using_subcommand summarize" -l format -d 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin\'s line' -r -f -a "human\t'The report for people (the default)'
json\t'The report as JSON, schema hostcap/report/v2'
prometheus\t'node_exporter textfile-collector metrics: verdicts, findings, when the check ran'
nagios\t'One Nagios plugin line with perfdata; the exit code is the plugin state'"
complete -c hostcap -n "__fish_hostcap_using_subcommand summarize" -l from -d 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle\'s .tar.gz' -r -F
complete -c hostcap -n "__fish_hostcap_using_subcommand summarize" -l require -d 'The target whose verdict sets the exit code' -r -f -a "rootless-podman\t''
rootless-docker\t''
bubblewrap\t''
nix-sandbox\t''
guix-daemon\t''
chroot\t''
proot\t''
vm\t''"
complete -c hostcap -n "__fish_hostcap_using_subcommand summarize" -l user -d 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)' -r
complete -c hostcap -n "__fish_hostcap_using_subcommand summarize" -l uid -d 'As root: judge for the user with this uid (like --user)' -r
complete -c hostcap -n "__fish_hostcap_using_subcommand summarize" -l color -d 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hostcap -n "__fish_hostcap_using_subcommand summarize" -l json -d 'Print the report as JSON (schema hostcap/report/v2); the same as --format json'
complete -c hostcap -n "__fish_hostcap_using_subcommand summarize" -l passive -d 'Read files only; run no experiments'
complete -c hostcap -n "__fish_hostcap_using_subcommand summarize" -s q -l quiet -d 'Print nothing; only the exit code answers'
complete -c hostcap -n "__fish_hostcap_using_subcommand summarize" -s v -l verbose -d 'Show every finding, the passing ones too, with evidence'
complete -c hostcap -n "__fish_hostcap_using_subcommand summarize" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hostcap -n "__fish_hostcap_using_subcommand completions" -l format -d 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin\'s line' -r -f -a "human\t'The report for people (the default)'
json\t'The report as JSON, schema hostcap/report/v2'
prometheus\t'node_exporter textfile-collector metrics: verdicts, findings, when the check ran'
nagios\t'One Nagios plugin line with perfdata; the exit code is the plugin state'"
complete -c hostcap -n "__fish_hostcap_using_subcommand completions" -l from -d 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle\'s .tar.gz' -r -F
complete -c hostcap -n "__fish_hostcap_using_subcommand completions" -l require -d 'The target whose verdict sets the exit code' -r -f -a "rootless-podman\t''
rootless-docker\t''
bubblewrap\t''
nix-sandbox\t''
guix-daemon\t''
chroot\t''
proot\t''
vm\t''"
complete -c hostcap -n "__fish_hostcap_using_subcommand completions" -l user -d 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)' -r
complete -c hostcap -n "__fish_hostcap_using_subcommand completions" -l uid -d 'As root: judge for the user with this uid (like --user)' -r
complete -c hostcap -n "__fish_hostcap_using_subcommand completions" -l color -d 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hostcap -n "__fish_hostcap_using_subcommand completions" -l json -d 'Print the report as JSON (schema hostcap/report/v2); the same as --format json'
complete -c hostcap -n "__fish_hostcap_using_subcommand completions" -l passive -d 'Read files only; run no experiments'
complete -c hostcap -n "__fish_hostcap_using_subcommand completions" -s q -l quiet -d 'Print nothing; only the exit code answers'
complete -c hostcap -n "__fish_hostcap_using_subcommand completions" -s v -l verbose -d 'Show every finding, the passing ones too, with evidence'
complete -c hostcap -n "__fish_hostcap_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hostcap -n "__fish_hostcap_using_subcommand help; and not __fish_seen_subcommand_from check explain list bundle summarize completions help" -f -a "check" -d 'Check this host (the default command)'
complete -c hostcap -n "__fish_hostcap_using_subcommand help; and not __fish_seen_subcommand_from check explain list bundle summarize completions help" -f -a "explain" -d 'Explain a finding id or a target in full'
complete -c hostcap -n "__fish_hostcap_using_subcommand help; and not __fish_seen_subcommand_from check explain list bundle summarize completions help" -f -a "list" -d 'List every finding id and target'
complete -c hostcap -n "__fish_hostcap_using_subcommand help; and not __fish_seen_subcommand_from check explain list bundle summarize completions help" -f -a "bundle" -d 'Write a support bundle: the report and exactly what the check read, redacted, as one .tar.gz that `hostcap check --from FILE` replays on another machine'
complete -c hostcap -n "__fish_hostcap_using_subcommand help; and not __fish_seen_subcommand_from check explain list bundle summarize completions help" -f -a "summarize" -d 'Summarize many hosts\' reports (`check --json` files, folders of them, bundles) in one table of verdicts and the causes the hosts share'
complete -c hostcap -n "__fish_hostcap_using_subcommand help; and not __fish_seen_subcommand_from check explain list bundle summarize completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c hostcap -n "__fish_hostcap_using_subcommand help; and not __fish_seen_subcommand_from check explain list bundle summarize completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
