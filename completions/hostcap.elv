
use builtin;
use str;

set edit:completion:arg-completer[hostcap] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'hostcap'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'hostcap'= {
            cand --format 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin''s line'
            cand --from 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle''s .tar.gz'
            cand --require 'The target whose verdict sets the exit code'
            cand --user 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)'
            cand --uid 'As root: judge for the user with this uid (like --user)'
            cand --color 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)'
            cand --json 'Print the report as JSON (schema hostcap/report/v2); the same as --format json'
            cand --passive 'Read files only; run no experiments'
            cand -q 'Print nothing; only the exit code answers'
            cand --quiet 'Print nothing; only the exit code answers'
            cand -v 'Show every finding, the passing ones too, with evidence'
            cand --verbose 'Show every finding, the passing ones too, with evidence'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand check 'Check this host (the default command)'
            cand explain 'Explain a finding id or a target in full'
            cand list 'List every finding id and target'
            cand bundle 'Write a support bundle: the report and exactly what the check read, redacted, as one .tar.gz that `hostcap check --from FILE` replays on another machine'
            cand summarize 'Summarize many hosts'' reports (`check --json` files, folders of them, bundles) in one table of verdicts and the causes the hosts share'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hostcap;check'= {
            cand --format 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin''s line'
            cand --from 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle''s .tar.gz'
            cand --require 'The target whose verdict sets the exit code'
            cand --user 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)'
            cand --uid 'As root: judge for the user with this uid (like --user)'
            cand --color 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)'
            cand --json 'Print the report as JSON (schema hostcap/report/v2); the same as --format json'
            cand --passive 'Read files only; run no experiments'
            cand -q 'Print nothing; only the exit code answers'
            cand --quiet 'Print nothing; only the exit code answers'
            cand -v 'Show every finding, the passing ones too, with evidence'
            cand --verbose 'Show every finding, the passing ones too, with evidence'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'hostcap;explain'= {
            cand --format 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin''s line'
            cand --from 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle''s .tar.gz'
            cand --require 'The target whose verdict sets the exit code'
            cand --user 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)'
            cand --uid 'As root: judge for the user with this uid (like --user)'
            cand --color 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)'
            cand --json 'Print the report as JSON (schema hostcap/report/v2); the same as --format json'
            cand --passive 'Read files only; run no experiments'
            cand -q 'Print nothing; only the exit code answers'
            cand --quiet 'Print nothing; only the exit code answers'
            cand -v 'Show every finding, the passing ones too, with evidence'
            cand --verbose 'Show every finding, the passing ones too, with evidence'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'hostcap;list'= {
            cand --format 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin''s line'
            cand --from 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle''s .tar.gz'
            cand --require 'The target whose verdict sets the exit code'
            cand --user 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)'
            cand --uid 'As root: judge for the user with this uid (like --user)'
            cand --color 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)'
            cand --json 'Print the report as JSON (schema hostcap/report/v2); the same as --format json'
            cand --passive 'Read files only; run no experiments'
            cand -q 'Print nothing; only the exit code answers'
            cand --quiet 'Print nothing; only the exit code answers'
            cand -v 'Show every finding, the passing ones too, with evidence'
            cand --verbose 'Show every finding, the passing ones too, with evidence'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'hostcap;bundle'= {
            cand -o 'Where to write the bundle; `-` for stdout. Default: hostcap-DATE.tar.gz here'
            cand --output 'Where to write the bundle; `-` for stdout. Default: hostcap-DATE.tar.gz here'
            cand --format 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin''s line'
            cand --from 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle''s .tar.gz'
            cand --require 'The target whose verdict sets the exit code'
            cand --user 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)'
            cand --uid 'As root: judge for the user with this uid (like --user)'
            cand --color 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)'
            cand --no-redact 'Keep user names, the host name, addresses and environment values as they are'
            cand --json 'Print the report as JSON (schema hostcap/report/v2); the same as --format json'
            cand --passive 'Read files only; run no experiments'
            cand -q 'Print nothing; only the exit code answers'
            cand --quiet 'Print nothing; only the exit code answers'
            cand -v 'Show every finding, the passing ones too, with evidence'
            cand --verbose 'Show every finding, the passing ones too, with evidence'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'hostcap;summarize'= {
            cand --format 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin''s line'
            cand --from 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle''s .tar.gz'
            cand --require 'The target whose verdict sets the exit code'
            cand --user 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)'
            cand --uid 'As root: judge for the user with this uid (like --user)'
            cand --color 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)'
            cand --json 'Print the report as JSON (schema hostcap/report/v2); the same as --format json'
            cand --passive 'Read files only; run no experiments'
            cand -q 'Print nothing; only the exit code answers'
            cand --quiet 'Print nothing; only the exit code answers'
            cand -v 'Show every finding, the passing ones too, with evidence'
            cand --verbose 'Show every finding, the passing ones too, with evidence'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'hostcap;completions'= {
            cand --format 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin''s line'
            cand --from 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle''s .tar.gz'
            cand --require 'The target whose verdict sets the exit code'
            cand --user 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)'
            cand --uid 'As root: judge for the user with this uid (like --user)'
            cand --color 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)'
            cand --json 'Print the report as JSON (schema hostcap/report/v2); the same as --format json'
            cand --passive 'Read files only; run no experiments'
            cand -q 'Print nothing; only the exit code answers'
            cand --quiet 'Print nothing; only the exit code answers'
            cand -v 'Show every finding, the passing ones too, with evidence'
            cand --verbose 'Show every finding, the passing ones too, with evidence'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'hostcap;help'= {
            cand check 'Check this host (the default command)'
            cand explain 'Explain a finding id or a target in full'
            cand list 'List every finding id and target'
            cand bundle 'Write a support bundle: the report and exactly what the check read, redacted, as one .tar.gz that `hostcap check --from FILE` replays on another machine'
            cand summarize 'Summarize many hosts'' reports (`check --json` files, folders of them, bundles) in one table of verdicts and the causes the hosts share'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hostcap;help;check'= {
        }
        &'hostcap;help;explain'= {
        }
        &'hostcap;help;list'= {
        }
        &'hostcap;help;bundle'= {
        }
        &'hostcap;help;summarize'= {
        }
        &'hostcap;help;completions'= {
        }
        &'hostcap;help;help'= {
        }
    ]
    $completions[$command]
}
