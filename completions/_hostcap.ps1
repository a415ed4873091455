
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
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Check a recorded host (a fixture or an unpacked support bundle) instead of this one')
            [CompletionResult]::new('--require', '--require', [CompletionResultType]::ParameterName, 'The target whose verdict sets the exit code')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON (schema hostcap/report/v1)')
            [CompletionResult]::new('--passive', '--passive', [CompletionResultType]::ParameterName, 'Read files only; run no experiments')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check this host (the default command)')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain a finding id or a target in full')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List every finding id and target')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hostcap;check' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Check a recorded host (a fixture or an unpacked support bundle) instead of this one')
            [CompletionResult]::new('--require', '--require', [CompletionResultType]::ParameterName, 'The target whose verdict sets the exit code')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON (schema hostcap/report/v1)')
            [CompletionResult]::new('--passive', '--passive', [CompletionResultType]::ParameterName, 'Read files only; run no experiments')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hostcap;explain' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Check a recorded host (a fixture or an unpacked support bundle) instead of this one')
            [CompletionResult]::new('--require', '--require', [CompletionResultType]::ParameterName, 'The target whose verdict sets the exit code')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON (schema hostcap/report/v1)')
            [CompletionResult]::new('--passive', '--passive', [CompletionResultType]::ParameterName, 'Read files only; run no experiments')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hostcap;list' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Check a recorded host (a fixture or an unpacked support bundle) instead of this one')
            [CompletionResult]::new('--require', '--require', [CompletionResultType]::ParameterName, 'The target whose verdict sets the exit code')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON (schema hostcap/report/v1)')
            [CompletionResult]::new('--passive', '--passive', [CompletionResultType]::ParameterName, 'Read files only; run no experiments')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hostcap;completions' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Check a recorded host (a fixture or an unpacked support bundle) instead of this one')
            [CompletionResult]::new('--require', '--require', [CompletionResultType]::ParameterName, 'The target whose verdict sets the exit code')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON (schema hostcap/report/v1)')
            [CompletionResult]::new('--passive', '--passive', [CompletionResultType]::ParameterName, 'Read files only; run no experiments')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing; only the exit code answers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show every finding, the passing ones too, with evidence')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hostcap;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check this host (the default command)')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain a finding id or a target in full')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List every finding id and target')
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
