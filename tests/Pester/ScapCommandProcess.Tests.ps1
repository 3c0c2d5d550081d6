BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    $haveSysdig = Test-KfSysdig
}

BeforeAll {
    Import-Module $env:KF_MODULE_PATH -Force

    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    # The demo capture, written by the module's own engine: a shell in the client pod runs
    # curl <nginx-ip>/files../etc/passwd and nginx serves /home/../etc/passwd.
    $script:demo = Join-Path $TestDrive 'demo.scap'
    $script:scenario = New-KfDemoCapture -Path $script:demo
    Copy-Item $script:demo (Join-Path $TestDrive 'copy.scap')
    [System.IO.File]::Copy($script:demo, (Join-Path $TestDrive 'odd[1].scap'))
    $script:commands = @(Get-ScapCommand $script:demo)
    $script:processes = @(Get-ScapProcess $script:demo)
}

Describe 'Get-ScapCommand' {
    It 'finds the command the client ran, in its shell session' {
        $script:commands.Count | Should -Be 1
        $c = $script:commands[0]
        $c.GetType().FullName | Should -Be 'KForensics.Core.Analysis.ScapCommand'
        $c.CommandLine | Should -Be "curl $($script:scenario.Url)"
        $c.EventType | Should -Be 'execve'
        $c.ProcessId | Should -Be $script:scenario.CurlPid
        $c.ParentProcessId | Should -Be $script:scenario.ClientShellPid
        $c.Ancestors[0] | Should -Be 'sh'
        $c.AncestorIds[0] | Should -Be $script:scenario.ClientShellPid
        $c.ContainerId | Should -Be $script:scenario.Client.ShortId
        $c.ShellProcessId | Should -Be $script:scenario.ClientShellPid
        $c.ShellDepth | Should -Be 0
        $c.Interactive | Should -BeTrue
        $c.Time.Kind | Should -Be ([DateTimeKind]::Utc)
        $c.Source | Should -Be $script:demo
    }

    It 'prints the line spy_users prints' -Skip:(-not $haveSysdig) {
        $c = $script:commands[0]
        $line = '{0} {1:HH:mm:ss} {2}@{3}) {4}' -f $c.ShellProcessId, $c.Time.ToLocalTime(), ($c.UserName ?? '<NA>'), $c.ContainerName, $c.CommandLine
        @(Invoke-KfSysdig @('-pc', '-r', $script:demo, '-c', 'spy_users', '1000 disable_color') | Where-Object { $_.Trim() }) | Should -Be @($line)
        $execs = @(Invoke-KfSysdig @('-r', $script:demo, '-p', '%proc.pid %proc.exeline', 'evt.type=execve and evt.dir=< and evt.failed=false'))
        $execs.Count | Should -Be $script:commands.Count
    }

    It 'answers the drill-down: the commands of the container that talked to nginx' {
        $client = Get-ScapConnection $script:demo -Filter 'proc.name=nginx' | Select-Object -First 1 -ExpandProperty ClientAddress
        $client | Should -Be $script:scenario.ClientIp.ToString()
        $container = Get-ScapConnection $script:demo -Filter "fd.cip=$client and proc.name!=nginx" | Select-Object -First 1 -ExpandProperty ContainerId
        $rows = @(Get-ScapCommand $script:demo -Filter "container.id=$container")
        $rows.CommandLine | Should -Be @("curl $($script:scenario.Url)")
        @(Get-ScapCommand $script:demo -Filter "container.id=$($script:scenario.Nginx.ShortId)").Count | Should -Be 0
    }

    It 'takes paths by wildcard, literally, by value and by property name' {
        @(Get-ScapCommand (Join-Path $TestDrive '[cd]*.scap') | Select-Object -ExpandProperty Source -Unique).Count | Should -Be 2
        @(Get-ScapCommand -LiteralPath (Join-Path $TestDrive 'odd[1].scap')).Count | Should -Be 1
        @(Get-ChildItem -LiteralPath $TestDrive -Filter '*.scap' | Get-ScapCommand).Count | Should -Be 3
        @([pscustomobject]@{ Path = $script:demo } | Get-ScapCommand).Count | Should -Be 1
        @($script:demo, (Join-Path $TestDrive 'copy.scap') | Get-ScapCommand).Source | Should -Be @($script:demo, (Join-Path $TestDrive 'copy.scap'))
    }

    It 'shows a table with the command indented by depth, and a short string' {
        $text = $script:commands | Format-Table | Out-String -Width 300
        $text | Should -Match 'Command'
        $text | Should -Match ([regex]::Escape("curl $($script:scenario.Url)"))
        $text | Should -Match "$($script:scenario.CurlPid)"
        $script:commands[0].ToString() | Should -Be ('{0:HH:mm:ss} curl {1}' -f $script:commands[0].Time, $script:scenario.Url)
    }
}

Describe 'Get-ScapProcess' {
    It 'lists the process list and the processes with events' {
        $script:processes[0].GetType().FullName | Should -Be 'KForensics.Core.Analysis.ScapProcess'
        $curl = $script:processes | Where-Object ProcessId -eq $script:scenario.CurlPid
        $curl.Name | Should -Be 'curl'
        $curl.CommandLine | Should -Be "curl $($script:scenario.Url)"
        $curl.ParentProcessId | Should -Be $script:scenario.ClientShellPid
        $curl.ParentName | Should -Be 'sh'
        $curl.ContainerId | Should -Be $script:scenario.Client.ShortId
        $curl.Exited | Should -BeTrue
        $curl.InProcessList | Should -BeFalse
        $curl.NetworkBytes | Should -BeGreaterThan 0
        $curl.LastTime | Should -BeGreaterOrEqual $curl.FirstTime
        $shell = $script:processes | Where-Object ProcessId -eq $script:scenario.ClientShellPid
        $shell.InProcessList | Should -BeTrue
        $worker = $script:processes | Where-Object ProcessId -eq $script:scenario.NginxWorkerPid
        $worker.FileBytes | Should -BeGreaterOrEqual $script:scenario.PasswdContent.Length
        $worker.Exited | Should -BeFalse
        @($script:processes.ProcessId) | Should -Be @($script:processes.ProcessId | Sort-Object)
    }

    It 'counts what sysdig counts per process' -Skip:(-not $haveSysdig) {
        foreach ($p in $script:processes) {
            $events = @(Invoke-KfSysdig @('-r', $script:demo, '-p', '%evt.num', "proc.pid=$($p.ProcessId)")).Count
            $p.Events | Should -Be $events -Because "pid $($p.ProcessId)"
            $net = 0L
            Invoke-KfSysdig @('-r', $script:demo, '-p', '%evt.rawarg.res', "proc.pid=$($p.ProcessId) and (fd.type=ipv4 or fd.type=ipv6) and evt.is_io=true and evt.rawarg.res>0") |
                ForEach-Object { $net += [long]$_ }
            $p.NetworkBytes | Should -Be $net -Because "pid $($p.ProcessId)"
        }
        $listed = @(Invoke-KfSysdig @('-r', $script:demo, '-c', 'ps') | Select-Object -Skip 1 | ForEach-Object { ($_ -split '\s+')[1] } | Sort-Object -Unique)
        @($script:processes | Where-Object InProcessList | ForEach-Object { "$($_.ProcessId)" } | Sort-Object) | Should -Be $listed
    }

    It 'counts only the events that pass -Filter' {
        $container = $script:scenario.Client.ShortId
        $rows = @(Get-ScapProcess $script:demo -Filter "container.id=$container")
        $rows.ProcessId | Should -Be @($script:scenario.ClientShellPid, $script:scenario.CurlPid)
        $rows | ForEach-Object { $_.ContainerId | Should -Be $container }
        $reads = @(Get-ScapProcess $script:demo -Filter 'evt.is_io_read=true')
        ($reads | Measure-Object NetworkBytes -Sum).Sum | Should -BeLessThan ($script:processes | Measure-Object NetworkBytes -Sum).Sum
    }

    It 'takes paths by value and from Get-ChildItem' {
        $n = $script:processes.Count
        @(Get-ChildItem -LiteralPath $TestDrive -Filter 'c*.scap' | Get-ScapProcess).Count | Should -Be $n
        @((Join-Path $TestDrive 'copy.scap') | Get-ScapProcess).Count | Should -Be $n
        @(Get-ScapProcess -LiteralPath (Join-Path $TestDrive 'odd[1].scap')).Count | Should -Be $n
    }

    It 'shows a table and a short string' {
        $text = $script:processes | Format-Table | Out-String -Width 300
        $text | Should -Match 'NetBytes'
        $text | Should -Match 'curl'
        $curl = $script:processes | Where-Object ProcessId -eq $script:scenario.CurlPid
        $curl.ToString() | Should -Be "$($script:scenario.CurlPid) curl"
    }
}

Describe 'Get-ScapCommand and Get-ScapProcess on bad input' {
    It 'stops with FilterInvalid on a bad filter' {
        { Get-ScapCommand -LiteralPath $script:demo -Filter 'proc.nam=curl' -ErrorAction Stop } | Should -Throw -ErrorId 'FilterInvalid*'
        { Get-ScapProcess -LiteralPath $script:demo -Filter 'proc.pid=' -ErrorAction Stop } | Should -Throw -ErrorId 'FilterInvalid*'
    }

    It 'gives the rows before the damage, then ScapTruncated' {
        $bytes = [System.IO.File]::ReadAllBytes($script:demo)
        $cut = Join-Path $TestDrive 'cut.scap'
        [System.IO.File]::WriteAllBytes($cut, $bytes[0..([int]($bytes.Length * 0.95))])
        $commands = @(Get-ScapCommand -LiteralPath $cut -ErrorVariable errs -ErrorAction SilentlyContinue)
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ScapTruncated*'
        $commands.CommandLine | Should -Be @("curl $($script:scenario.Url)")
        $processes = @(Get-ScapProcess -LiteralPath $cut -ErrorVariable perrs -ErrorAction SilentlyContinue)
        $perrs.Count | Should -Be 1
        $perrs[0].FullyQualifiedErrorId | Should -BeLike 'ScapTruncated*'
        $processes.Count | Should -BeGreaterThan 0
        ($processes | Measure-Object Events -Sum).Sum | Should -BeLessThan ($script:processes | Measure-Object Events -Sum).Sum
    }

    It 'reports a missing file and goes on' {
        $rows = @(Get-ScapProcess -LiteralPath (Join-Path $TestDrive 'missing.scap'), $script:demo -ErrorVariable errs -ErrorAction SilentlyContinue)
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
        $rows.Count | Should -Be $script:processes.Count
    }
}
