
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'hostcap' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'hostcap'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'hostcap' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin''s line')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle''s .tar.gz')
            [CompletionResult]::new('--require', '--require', [CompletionResultType]::ParameterName, 'The target whose verdict sets the exit code')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)')
            [CompletionResult]::new('--uid', '--uid', [CompletionResultType]::ParameterName, 'As root: judge for the user with this uid (like --user)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON (schema hostcap/report/v2); the same as --format json')
            [CompletionResult]::new('--passive', '--passive', [CompletionResultType]::ParameterName, 'Read files only; run no experiments')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check this host (the default command)')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain a finding id or a target in full')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List every finding id and target')
            [CompletionResult]::new('bundle', 'bundle', [CompletionResultType]::ParameterValue, 'Write a support bundle: the report and exactly what the check read, redacted, as one .tar.gz that `hostcap check --from FILE` replays on another machine')
            [CompletionResult]::new('summarize', 'summarize', [CompletionResultType]::ParameterValue, 'Summarize many hosts'' reports (`check --json` files, folders of them, bundles) in one table of verdicts and the causes the hosts share')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hostcap;check' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin''s line')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle''s .tar.gz')
            [CompletionResult]::new('--require', '--require', [CompletionResultType]::ParameterName, 'The target whose verdict sets the exit code')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)')
            [CompletionResult]::new('--uid', '--uid', [CompletionResultType]::ParameterName, 'As root: judge for the user with this uid (like --user)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON (schema hostcap/report/v2); the same as --format json')
            [CompletionResult]::new('--passive', '--passive', [CompletionResultType]::ParameterName, 'Read files only; run no experiments')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'hostcap;explain' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin''s line')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle''s .tar.gz')
            [CompletionResult]::new('--require', '--require', [CompletionResultType]::ParameterName, 'The target whose verdict sets the exit code')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)')
            [CompletionResult]::new('--uid', '--uid', [CompletionResultType]::ParameterName, 'As root: judge for the user with this uid (like --user)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON (schema hostcap/report/v2); the same as --format json')
            [CompletionResult]::new('--passive', '--passive', [CompletionResultType]::ParameterName, 'Read files only; run no experiments')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'hostcap;list' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin''s line')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle''s .tar.gz')
            [CompletionResult]::new('--require', '--require', [CompletionResultType]::ParameterName, 'The target whose verdict sets the exit code')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)')
            [CompletionResult]::new('--uid', '--uid', [CompletionResultType]::ParameterName, 'As root: judge for the user with this uid (like --user)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON (schema hostcap/report/v2); the same as --format json')
            [CompletionResult]::new('--passive', '--passive', [CompletionResultType]::ParameterName, 'Read files only; run no experiments')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'hostcap;bundle' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write the bundle; `-` for stdout. Default: hostcap-DATE.tar.gz here')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write the bundle; `-` for stdout. Default: hostcap-DATE.tar.gz here')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin''s line')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle''s .tar.gz')
            [CompletionResult]::new('--require', '--require', [CompletionResultType]::ParameterName, 'The target whose verdict sets the exit code')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)')
            [CompletionResult]::new('--uid', '--uid', [CompletionResultType]::ParameterName, 'As root: judge for the user with this uid (like --user)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)')
            [CompletionResult]::new('--no-redact', '--no-redact', [CompletionResultType]::ParameterName, 'Keep user names, the host name, addresses and environment values as they are')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON (schema hostcap/report/v2); the same as --format json')
            [CompletionResult]::new('--passive', '--passive', [CompletionResultType]::ParameterName, 'Read files only; run no experiments')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'hostcap;summarize' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin''s line')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle''s .tar.gz')
            [CompletionResult]::new('--require', '--require', [CompletionResultType]::ParameterName, 'The target whose verdict sets the exit code')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)')
            [CompletionResult]::new('--uid', '--uid', [CompletionResultType]::ParameterName, 'As root: judge for the user with this uid (like --user)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON (schema hostcap/report/v2); the same as --format json')
            [CompletionResult]::new('--passive', '--passive', [CompletionResultType]::ParameterName, 'Read files only; run no experiments')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'hostcap;completions' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter textfile-collector metrics, or as a Nagios plugin''s line')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or a bundle''s .tar.gz')
            [CompletionResult]::new('--require', '--require', [CompletionResultType]::ParameterName, 'The target whose verdict sets the exit code')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'As root: judge for this user (their ids, groups and login environment; the experiments run as them)')
            [CompletionResult]::new('--uid', '--uid', [CompletionResultType]::ParameterName, 'As root: judge for the user with this uid (like --user)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON (schema hostcap/report/v2); the same as --format json')
            [CompletionResult]::new('--passive', '--passive', [CompletionResultType]::ParameterName, 'Read files only; run no experiments')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'hostcap;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check this host (the default command)')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain a finding id or a target in full')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List every finding id and target')
            [CompletionResult]::new('bundle', 'bundle', [CompletionResultType]::ParameterValue, 'Write a support bundle: the report and exactly what the check read, redacted, as one .tar.gz that `hostcap check --from FILE` replays on another machine')
            [CompletionResult]::new('summarize', 'summarize', [CompletionResultType]::ParameterValue, 'Summarize many hosts'' reports (`check --json` files, folders of them, bundles) in one table of verdicts and the causes the hosts share')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hostcap;help;check' {
            break
        }
        'hostcap;help;explain' {
            break
        }
        'hostcap;help;list' {
            break
        }
        'hostcap;help;bundle' {
            break
        }
        'hostcap;help;summarize' {
            break
        }
        'hostcap;help;completions' {
            break
        }
        'hostcap;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
