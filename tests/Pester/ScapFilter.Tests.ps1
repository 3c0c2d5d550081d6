BeforeAll {
    Import-Module $env:KF_MODULE_PATH -Force
    # A capture of the path-traversal scenario, written by the module's own engine.
    $context = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'KForensics.Dependencies' | Select-Object -First 1
    $core = $context.LoadFromAssemblyName([System.Reflection.AssemblyName]::new('KForensics.Core'))
    $script:capture = Join-Path $TestDrive 'traversal.scap'
    [Activator]::CreateInstance($core.GetType('KForensics.Core.Scap.Writing.PathTraversalScenario', $true)).Write($script:capture, $false)
    $script:sysdig = Get-Command sysdig -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    function SysdigNumbers([string] $filter) {
        $env:TZ = 'UTC'
        @(& $script:sysdig.Source -r $script:capture -p '%evt.num' $filter | ForEach-Object { [ulong]$_ })
    }
}

Describe 'Get-ScapEvent -Filter' {
    BeforeDiscovery {
        $haveSysdig = [bool](Get-Command sysdig -CommandType Application -ErrorAction SilentlyContinue)
        $filters = @(
            'fd.name=/etc/passwd'
            'proc.name=nginx and fd.name contains /etc'
            'container.name exists and evt.type=execve'
            'evt.type in (accept, accept4, connect) and fd.l4proto=tcp'
            'fd.sport=80 or fd.cport=80'
            'proc.cmdline contains "files../etc/passwd"'
            'evt.buffer contains "GET /files"'
            'not proc.name=nginx'
        ) | ForEach-Object { @{ Filter = $_ } }
    }

    It 'matches the events sysdig matches for <Filter>' -ForEach $filters -Skip:(-not $haveSysdig) {
        $mine = @(Get-ScapEvent -LiteralPath $script:capture -Filter $Filter | ForEach-Object Number)
        $theirs = SysdigNumbers $Filter
        $theirs.Count | Should -BeGreaterThan 0
        ($mine -join ',') | Should -Be ($theirs -join ',')
    }

    It 'finds which container read /etc/passwd through nginx' {
        $reads = @(Get-ScapEvent -LiteralPath $script:capture -Filter 'fd.name=/etc/passwd and evt.type in (open, openat, read)')
        $reads.Count | Should -BeGreaterThan 0
        $reads.ProcessName | Sort-Object -Unique | Should -Be 'nginx'
        $reads.ContainerName | Sort-Object -Unique | Should -Not -Be 'host'
    }

    It 'applies one filter to every file of the pipeline' {
        Copy-Item $script:capture (Join-Path $TestDrive 'second.scap')
        $one = @(Get-ScapEvent -LiteralPath $script:capture -Filter 'proc.name=curl').Count
        $both = @(Get-ChildItem $TestDrive -Filter *.scap | Get-ScapEvent -Filter 'proc.name=curl')
        $both.Count | Should -Be (2 * $one)
        @($both.Source | Sort-Object -Unique).Count | Should -Be 2
    }

    It 'stops with FilterInvalid, the position and a caret for a bad filter' {
        $err = { Get-ScapEvent -LiteralPath $script:capture -Filter 'proc.name=nginx and' } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'FilterInvalid,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $lines = $err.Exception.Message -split "`n"
        $lines[0] | Should -Match 'position 20'
        $lines[1] | Should -Be 'proc.name=nginx and'
        $lines[2] | Should -Be ((' ' * 19) + '^')
    }

    It 'names the closest known fields for an unknown one' {
        $err = { Get-ScapEvent -LiteralPath $script:capture -Filter 'fd.cipp=1.2.3.4' } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'FilterInvalid,*'
        $err.Exception.Message | Should -Match 'Did you mean fd\.cip'
    }

    It 'completes field names on Tab' {
        # Completion is asked of a fresh session, as a user's prompt would.
        $script = @"
Import-Module '$env:KF_MODULE_PATH'
foreach (`$line in 'Get-ScapEvent x.scap -Filter proc.na', "Get-ScapEvent x.scap -Filter 'evt.type=open and fd.ci") {
    (TabExpansion2 -inputScript `$line -cursorColumn `$line.Length).CompletionMatches.CompletionText
}
"@
        $completions = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $script
        $completions | Should -Contain "'proc.name'"
        $completions | Should -Contain "'evt.type=open and fd.cip'"
        $completions | Should -Not -Contain "'fd.name'"
    }
}

Describe 'Get-ScapField' {
    It 'lists every field with type and description, like sysdig -l' {
        $fields = @(Get-ScapField)
        $fields.Count | Should -BeGreaterThan 190
        $fields.Class | Sort-Object -Unique | Should -Be @('container', 'evt', 'evtin', 'fd', 'fdlist', 'group', 'k8s', 'mesos', 'proc', 'span', 'syslog', 'thread', 'user')
        ($fields | Where-Object Name -eq 'fd.cip').Type | Should -Be 'IpAddr'
    }

    It 'filters by wildcard and class, and takes names from the pipeline' {
        (Get-ScapField 'fd.*ip').Name | Should -Contain 'fd.sip'
        @(Get-ScapField -Class K8s | Where-Object Class -ne 'k8s').Count | Should -Be 0
        ('proc.name', 'evt.type' | Get-ScapField).Name | Should -Be @('proc.name', 'evt.type')
    }

    It 'writes FieldNotFound with suggestions for an unknown field' {
        Get-ScapField proc.nmae -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -BeLike 'FieldNotFound,*'
        $e[0].Exception.Message | Should -Match 'proc\.name'
    }
}
