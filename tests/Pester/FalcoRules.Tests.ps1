BeforeAll {
    Import-Module $env:KF_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    # The path-traversal capture the demo uses, written by the module's own engine: nginx serves /etc/passwd to curl.
    $script:capture = Join-Path $TestDrive 'demo.scap'
    $script:scenario = New-KfDemoCapture -Path $script:capture

    $script:rulesDir = Join-Path $TestDrive 'rules.d'
    New-Item -ItemType Directory $script:rulesDir | Out-Null
    Set-Content (Join-Path $script:rulesDir '000-base.yaml') @'
- list: web_servers
  items: [nginx, httpd]
- macro: open_read_exit
  condition: evt.type in (open, openat, openat2) and evt.dir=< and evt.is_open_read=true
- rule: Web server reads passwd
  desc: a web server process opens /etc/passwd for reading
  condition: open_read_exit and proc.name in (web_servers) and fd.name=/etc/passwd
  output: "Web server read passwd (proc=%proc.name pid=%proc.pid file=%fd.name %container.info image=%container.image.repository)"
  priority: WARNING
  tags: [filesystem, web]
- rule: Curl runs
  desc: curl executed
  condition: evt.type=execve and evt.dir=< and proc.name=curl
  output: "curl ran (cmdline=%proc.cmdline parent=%proc.pname)"
  priority: NOTICE
  tags: [process]
- rule: Any open by nginx
  desc: every open exit of nginx (shadowed by the first rule for the passwd open)
  condition: evt.type in (open, openat) and evt.dir=< and proc.name=nginx
  output: "nginx opened %fd.name"
  priority: INFO
  tags: [filesystem]
'@
    Set-Content (Join-Path $script:rulesDir '001-local.yaml') @'
- rule: Curl runs
  append: true
  condition: and container.id != host
- rule: Broken rule
  desc: uses a field nobody knows
  condition: proc.nobody = 1
  output: "never"
  priority: ERROR
'@

    function Get-SysdigEvents([string] $Filter, [string] $Format = '%evt.num') {
        @(Invoke-KfSysdig @('-r', $script:capture, '-p', "*$Format", $Filter))
    }
}

Describe 'Import-FalcoRule' {
    It 'loads a directory in name order, applies appends, and reports each load error once as FalcoRuleLoadFailed' {
        $set = Import-FalcoRule $script:rulesDir -ErrorVariable loadErrors -ErrorAction SilentlyContinue
        $set.GetType().FullName | Should -Be 'KForensics.Core.Falco.FalcoRuleSet'
        $set.Files | ForEach-Object { Split-Path $_ -Leaf } | Should -Be @('000-base.yaml', '001-local.yaml')
        $set.Rules.Name | Should -Be @('Web server reads passwd', 'Curl runs', 'Any open by nginx')
        $curl = $set.Rules | Where-Object Name -eq 'Curl runs'
        $curl.Condition | Should -Be 'evt.type=execve and evt.dir=< and proc.name=curl and container.id != host'
        $web = $set.Rules[0]
        # The macro's and-chain joins the rule's: one chain, brackets only where and and or meet.
        $web.ExpandedCondition | Should -Be 'evt.type in (open, openat, openat2) and evt.dir = < and evt.is_open_read = true and proc.name in (nginx, httpd) and fd.name = /etc/passwd'
        $web.Priority | Should -Be 'Warning'
        $web.EventTypes | Should -Be @('open', 'openat', 'openat2')
        $loadErrors.Count | Should -Be 1
        $loadErrors[0].FullyQualifiedErrorId | Should -BeLike 'FalcoRuleLoadFailed,*'
        $loadErrors[0].TargetObject.Code | Should -Be 'LOAD_ERR_COMPILE_CONDITION'
        $loadErrors[0].TargetObject.ItemName | Should -Be 'Broken rule'
        $loadErrors[0].TargetObject.Line | Should -Be 4
        $set.Errors.Count | Should -Be 1
    }

    It 'takes files from the pipeline and -LiteralPath, and names a missing file' {
        $set = Get-ChildItem $script:rulesDir -Filter '000-*' | Import-FalcoRule
        $set.Rules.Count | Should -Be 3
        $set.Errors.Count | Should -Be 0
        Import-FalcoRule -LiteralPath (Join-Path $TestDrive 'nope.yaml') -ErrorVariable missing -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
    }

    It 'writes warnings (an unused macro) and still returns the set' {
        $file = Join-Path $TestDrive 'unused.yaml'
        Set-Content $file "- macro: never_used`n  condition: proc.name=x`n- rule: r`n  desc: d`n  condition: evt.type=open`n  output: o`n  priority: DEBUG"
        $set = Import-FalcoRule $file -WarningVariable warned -WarningAction SilentlyContinue
        $warned.Count | Should -Be 1
        "$($warned[0])" | Should -BeLike '*LOAD_UNUSED_MACRO*never_used*'
        $set.Warnings[0].Code | Should -Be 'LOAD_UNUSED_MACRO'
        $set.Rules.Count | Should -Be 1
    }

    It 'reports a YAML syntax error with its line' {
        $file = Join-Path $TestDrive 'bad.yaml'
        Set-Content $file "- rule: x`n  desc: [unclosed`n"
        $set = Import-FalcoRule $file -ErrorVariable bad -ErrorAction SilentlyContinue
        $bad[0].TargetObject.Code | Should -Be 'LOAD_ERR_YAML_PARSE'
        $bad[0].TargetObject.Line | Should -BeGreaterThan 0
        $set.Rules.Count | Should -Be 0
    }
}

Describe 'Get-ScapAlert' {
    BeforeDiscovery {
        Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
        $haveSysdig = Test-KfSysdig
    }

    BeforeAll {
        $script:set = Import-FalcoRule $script:rulesDir -ErrorAction SilentlyContinue
        $script:alerts = @(Get-ScapAlert $script:capture -Rule $script:set)
        $script:all = @(Get-ScapAlert $script:capture -Rule $script:set -AllMatches)
    }

    It 'raises the passwd alert on the nginx worker''s open of the traversed path, with Falco''s line and JSON' {
        $passwd = @($script:alerts | Where-Object Rule -eq 'Web server reads passwd')
        $passwd.Count | Should -BeGreaterThan 0
        $a = $passwd[0]
        $a.GetType().FullName | Should -Be 'KForensics.Core.Falco.FalcoAlert'
        $a.OutputFields['proc.pid'] | Should -Be $script:scenario.NginxWorkerPid
        $a.OutputFields['fd.name'] | Should -Be $script:scenario.TargetFile
        $a.OutputFields['container.name'] | Should -Be $script:scenario.Nginx.Name
        $a.Priority | Should -Be 'Warning'
        $a.Tags | Should -Be @('filesystem', 'web')
        $a.Capture | Should -Be $script:capture
        $a.Time.Kind | Should -Be 'Utc'
        $a.ToString() | Should -Be ("{0}: Warning Web server read passwd (proc=nginx pid={1} file=/etc/passwd {2} (id={3}) image=nginx)" -f
            $a.IsoTime, $script:scenario.NginxWorkerPid, $script:scenario.Nginx.Name, $script:scenario.Nginx.ShortId)
        $a.IsoTime | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$'
        $json = $a.Json | ConvertFrom-Json
        $json.rule | Should -Be 'Web server reads passwd'
        $json.priority | Should -Be 'Warning'
        $json.output | Should -Be $a.ToString()
        $json.output_fields.'proc.pid' | Should -Be $script:scenario.NginxWorkerPid
        $json.time | Should -Be $a.IsoTime
        ($a.Json.IndexOf('"output"') -lt $a.Json.IndexOf('"priority"') -and $a.Json.IndexOf('"priority"') -lt $a.Json.IndexOf('"rule"')) | Should -BeTrue
    }

    It 'matches the events sysdig selects with each expanded condition, first match per event' -Skip:(-not $haveSysdig) {
        $matched = @{}
        foreach ($rule in $script:set.Rules) {
            $numbers = Get-SysdigEvents $rule.ExpandedCondition
            $numbers.Count | Should -BeGreaterThan 0 -Because "the scenario exercises $($rule.Name)"
            foreach ($n in $numbers) { if (-not $matched.ContainsKey([ulong]$n)) { $matched[[ulong]$n] = $rule.Name } }
            (@($script:all | Where-Object Rule -eq $rule.Name).EventNumber | ForEach-Object { "$_" }) | Should -Be @($numbers)
        }

        # First match: each event alerts once, for the earliest rule that matches it.
        $script:alerts.Count | Should -Be $matched.Count
        foreach ($a in $script:alerts) { $a.Rule | Should -Be $matched[$a.EventNumber] }
        $script:all.Count | Should -BeGreaterThan $script:alerts.Count
    }

    It 'prints every output as sysdig -p prints the same fields' -Skip:(-not $haveSysdig) {
        foreach ($rule in $script:set.Rules) {
            $format = $rule.Output.Replace('%container.info', '%container.name (id=%container.id)')
            $expected = Get-SysdigEvents $rule.ExpandedCondition $format
            @($script:all | Where-Object Rule -eq $rule.Name).Output | Should -Be @($expected)
        }
    }

    It 'keeps rules out by priority, name wildcard and tag' {
        @(Get-ScapAlert $script:capture -Rule $script:set -MinimumPriority Warning).Rule | Sort-Object -Unique | Should -Be @('Web server reads passwd')
        @(Get-ScapAlert $script:capture -Rule $script:set -DisabledRule 'Web*', '*nginx').Rule | Sort-Object -Unique | Should -Be @('Curl runs')
        @(Get-ScapAlert $script:capture -Rule $script:set -EnabledTag process).Rule | Sort-Object -Unique | Should -Be @('Curl runs')
        $withoutFs = @(Get-ScapAlert $script:capture -Rule $script:set -DisabledTag filesystem)
        $withoutFs.Rule | Sort-Object -Unique | Should -Be @('Curl runs')
        @(Get-ScapAlert $script:capture -Rule $script:set -DisabledRule '*' -WarningVariable none -WarningAction SilentlyContinue).Count | Should -Be 0
        "$none" | Should -BeLike '*No rule runs*'
    }

    It 'evaluates only the events -Filter selects' {
        $inClient = @(Get-ScapAlert $script:capture -Rule $script:set -Filter "container.id=$($script:scenario.Client.ShortId)")
        $inClient.Rule | Sort-Object -Unique | Should -Be @('Curl runs')
        $inClient.Count | Should -Be @($script:alerts | Where-Object Rule -eq 'Curl runs').Count
    }

    It 'takes rules files directly and reports their load errors' {
        $direct = @(Get-ScapAlert $script:capture -Rule $script:rulesDir -ErrorVariable loadErrors -ErrorAction SilentlyContinue)
        $direct.Count | Should -Be $script:alerts.Count
        $loadErrors.Count | Should -Be 1
        $loadErrors[0].FullyQualifiedErrorId | Should -BeLike 'FalcoRuleLoadFailed,*'
        # An imported set's errors were reported by Import-FalcoRule: not again.
        Get-ScapAlert $script:capture -Rule $script:set -ErrorVariable again -ErrorAction SilentlyContinue | Out-Null
        $again.Count | Should -Be 0
    }

    It 'stops with FilterInvalid on a bad filter and names damage as an error after the alerts before it' {
        { Get-ScapAlert $script:capture -Rule $script:set -Filter 'proc.name=' -ErrorAction Stop } | Should -Throw -ErrorId 'FilterInvalid*'
        $bytes = [System.IO.File]::ReadAllBytes($script:capture)
        $cut = Join-Path $TestDrive 'cut.scap'
        [System.IO.File]::WriteAllBytes($cut, $bytes[0..([int]($bytes.Length * 0.9))])
        $partial = @(Get-ScapAlert $cut -Rule $script:set -ErrorVariable damage -ErrorAction SilentlyContinue)
        $damage.Count | Should -Be 1
        $damage[0].FullyQualifiedErrorId | Should -BeLike 'Scap*'
        # Exactly the alerts on the events read before the damage.
        $last = (@(Get-ScapEvent -LiteralPath $cut -ErrorAction SilentlyContinue)[-1]).Number
        $expected = @($script:alerts | Where-Object EventNumber -le $last)
        $expected.Count | Should -BeGreaterThan 0
        $partial.EventNumber | Should -Be $expected.EventNumber
    }

    It 'shows time, priority, rule, container and output in its table' {
        $text = $script:alerts | Format-Table | Out-String -Width 300
        $text | Should -Match 'Time\s+Priority\s+Rule\s+Container\s+Output'
        $text | Should -Match 'Web server reads passwd'
    }
}

Describe 'Alerts in the summary and the report' {
    BeforeAll {
        $script:set = Import-FalcoRule $script:rulesDir -ErrorAction SilentlyContinue
        $script:alerts = @(Get-ScapAlert $script:capture -Rule $script:set)
    }

    It 'counts alerts by priority in Get-ScapSummary -Rule, and none without it' {
        $s = Get-ScapSummary $script:capture -Rule $script:set
        $s.Alerts | Should -Be $script:alerts.Count
        $s.AlertsByPriority.Keys | Should -Be @('Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug')
        foreach ($p in 'Warning', 'Notice', 'Informational') {
            $s.AlertsByPriority[$p] | Should -Be @($script:alerts | Where-Object { "$($_.Priority)" -eq $p }).Count
        }
        (Get-ScapSummary $script:capture).Alerts | Should -BeNullOrEmpty
    }

    It 'adds an alerts section to Export-ScapReport -Rule' {
        $page = Join-Path $TestDrive 'report.html'
        Export-ScapReport -Path $page -InputPath $script:capture -Rule $script:set
        $html = Get-Content -Raw $page
        $html | Should -Match 'id="alerts"'
        $html | Should -Match 'Web server reads passwd'
        $plain = Join-Path $TestDrive 'plain.html'
        Export-ScapReport -Path $plain -InputPath $script:capture
        Get-Content -Raw $plain | Should -Not -Match 'id="alerts"'
    }
}
