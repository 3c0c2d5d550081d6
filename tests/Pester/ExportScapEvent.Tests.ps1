BeforeAll {
    Import-Module $env:KF_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    $script:sample = Get-KfSharedCapture 'libs_curl_google.scap'
    $script:haveCorpus = [bool]$script:sample
    $script:fields = '*%evt.rawtime %evt.cpu %thread.tid %proc.name %evt.dir %evt.type %fd.name %container.id %evt.info'
}

Describe 'Export-ScapEvent' {
    BeforeDiscovery {
        Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
        $haveCorpus = [bool](Get-KfSharedCapture 'libs_curl_google.scap')
        $haveSysdig = Test-KfSysdig
    }

    BeforeAll {
        if ($script:haveCorpus) {
            Copy-Item $script:sample (Join-Path $TestDrive 'in.scap')
        }
    }

    It 'writes the filtered events and describes the file it wrote' -Skip:(-not $haveCorpus) {
        $out = Join-Path $TestDrive 'open.scap'
        $result = Export-ScapEvent -InputPath (Join-Path $TestDrive 'in.scap') -Path $out -Filter 'evt.type in (open, openat)'
        $result.GetType().FullName | Should -Be 'KForensics.Core.Scap.Export.ScapExportResult'
        $result.Path | Should -Be $out
        $result.Bytes | Should -Be (Get-Item $out).Length
        $result.Sha256 | Should -Be (Get-FileHash $out -Algorithm SHA256).Hash.ToLowerInvariant()
        $result.Sources | Should -Be @((Join-Path $TestDrive 'in.scap'))
        $result.Filter | Should -Be 'evt.type in (open, openat)'
        $result.Compressed | Should -BeFalse
        $result.TimeUtc.Kind | Should -Be ([DateTimeKind]::Utc)
        $expected = @(Get-ScapEvent (Join-Path $TestDrive 'in.scap') -Filter 'evt.type in (open, openat)')
        $result.EventCount | Should -Be $expected.Count
        $exported = @(Get-ScapEvent $out)
        $exported.Count | Should -Be $expected.Count
        ($exported | ForEach-Object { "$($_.Time.Ticks) $($_.ProcessName) $($_.FdName) $($_.Info)" }) |
            Should -Be ($expected | ForEach-Object { "$($_.Time.Ticks) $($_.ProcessName) $($_.FdName) $($_.Info)" })
        ($result | Format-Table | Out-String) | Should -Match 'open\.scap'
    }

    It 'gives sysdig the events sysdig gives for the filter on the original' -Skip:(-not ($haveCorpus -and $haveSysdig)) {
        $out = Join-Path $TestDrive 'etc.scap'
        $filter = 'fd.name contains /etc'
        $null = Export-ScapEvent -InputPath (Join-Path $TestDrive 'in.scap') -Path $out -Filter $filter
        $expected = @(Invoke-KfSysdig @('-r', (Join-Path $TestDrive 'in.scap'), '-p', $script:fields, $filter))
        $actual = @(Invoke-KfSysdig @('-r', $out, '-p', $script:fields))
        $expected.Count | Should -BeGreaterThan 0
        $actual | Should -Be $expected
    }

    It 'writes later state changes state-only, shown only with -IncludeHidden, and leaves them out with -NoStateEvents' -Skip:(-not $haveCorpus) {
        $in = Join-Path $TestDrive 'in.scap'
        $filter = 'evt.type=connect'
        $full = Export-ScapEvent -InputPath $in -Path (Join-Path $TestDrive 'connect-state.scap') -Filter $filter
        $slim = Export-ScapEvent -InputPath $in -Path (Join-Path $TestDrive 'connect-slim.scap') -Filter $filter -NoStateEvents
        $full.IncludesStateEvents | Should -BeTrue
        $slim.IncludesStateEvents | Should -BeFalse
        $slim.StateEventCount | Should -Be 0
        $full.StateEventCount | Should -BeGreaterThan 0
        $full.EventCount | Should -Be $slim.EventCount
        # Shown events are the same; the hidden ones are exactly the state-only ones.
        @(Get-ScapEvent $full.Path).Count | Should -Be $full.EventCount
        $hidden = @(Get-ScapEvent $full.Path -IncludeHidden | Where-Object IsHidden)
        $hidden.Count | Should -Be $full.StateEventCount
        @(Get-ScapEvent $slim.Path -IncludeHidden | Where-Object IsHidden).Count | Should -Be 0
        # Each state-only event is one of the original's, on a thread the export describes.
        $threads = @(Get-ScapEvent $full.Path | ForEach-Object ThreadId | Sort-Object -Unique)
        $original = @{}
        Get-ScapEvent $in -IncludeHidden | ForEach-Object { $original["$($_.RawTime) $($_.ThreadId) $($_.Type)"] = $true }
        foreach ($e in $hidden) {
            $original.ContainsKey("$($e.RawTime) $($e.ThreadId) $($e.Type)") | Should -BeTrue
            $threads | Should -Contain $e.ThreadId
        }
        (Get-Item $full.Path).Length | Should -BeGreaterThan (Get-Item $slim.Path).Length
    }

    It 'writes gzip when the name ends in .gz or with -Compress' -Skip:(-not $haveCorpus) {
        $gz = Export-ScapEvent -InputPath (Join-Path $TestDrive 'in.scap') -Path (Join-Path $TestDrive 'a.scap.gz') -Filter 'evt.type in (open, openat)'
        $forced = Export-ScapEvent -InputPath (Join-Path $TestDrive 'in.scap') -Path (Join-Path $TestDrive 'b.scap') -Filter 'evt.type in (open, openat)' -Compress
        foreach ($r in $gz, $forced) {
            $r.Compressed | Should -BeTrue
            $bytes = [System.IO.File]::ReadAllBytes($r.Path)
            $bytes[0] | Should -Be 0x1f
            $bytes[1] | Should -Be 0x8b
            @(Get-ScapEvent $r.Path).Count | Should -Be $r.EventCount
        }
        $gz.EventCount | Should -BeGreaterThan 0
    }

    It 'writes nothing with -WhatIf' -Skip:(-not $haveCorpus) {
        $out = Join-Path $TestDrive 'whatif.scap'
        $result = Export-ScapEvent -InputPath (Join-Path $TestDrive 'in.scap') -Path $out -Filter 'evt.type in (open, openat)' -WhatIf
        $result | Should -BeNullOrEmpty
        Test-Path $out | Should -BeFalse
        @(Get-ChildItem $TestDrive -Filter '*.partial').Count | Should -Be 0
    }

    It 'refuses to replace a file without -Force and replaces it with -Force' -Skip:(-not $haveCorpus) {
        $out = Join-Path $TestDrive 'exists.scap'
        Set-Content -Path $out -Value 'keep me'
        { Export-ScapEvent -InputPath (Join-Path $TestDrive 'in.scap') -Path $out -Filter 'evt.type in (open, openat)' -ErrorAction Stop } |
            Should -Throw -ErrorId 'ScapExportTargetExists,KForensics.Commands.ExportScapEventCommand'
        Get-Content $out | Should -Be 'keep me'
        $result = Export-ScapEvent -InputPath (Join-Path $TestDrive 'in.scap') -Path $out -Filter 'evt.type in (open, openat)' -Force
        $result.EventCount | Should -BeGreaterThan 0
        @(Get-ScapEvent $out).Count | Should -Be $result.EventCount
    }

    It 'refuses to write over a capture it reads' -Skip:(-not $haveCorpus) {
        $in = Join-Path $TestDrive 'in.scap'
        { Export-ScapEvent -InputPath $in -Path $in -Filter 'evt.type in (open, openat)' -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'ScapExportTargetIsInput,KForensics.Commands.ExportScapEventCommand'
    }

    It 'takes files and strings from the pipeline' -Skip:(-not $haveCorpus) {
        Copy-Item (Join-Path $TestDrive 'in.scap') (Join-Path $TestDrive 'second.scap')
        $single = @(Get-ScapEvent (Join-Path $TestDrive 'in.scap') -Filter 'evt.type in (open, openat)').Count
        $files = Get-Item (Join-Path $TestDrive 'in.scap'), (Join-Path $TestDrive 'second.scap') |
            Export-ScapEvent -Path (Join-Path $TestDrive 'piped.scap') -Filter 'evt.type in (open, openat)'
        $single | Should -BeGreaterThan 0
        $files.Sources.Count | Should -Be 2
        $files.EventCount | Should -Be (2 * $single)
        $strings = (Join-Path $TestDrive 'in.scap') | Export-ScapEvent -Path (Join-Path $TestDrive 'strings.scap') -Filter 'evt.type in (open, openat)'
        $strings.EventCount | Should -Be $single
    }

    It 'stops on a filter that does not compile, before writing' -Skip:(-not $haveCorpus) {
        $out = Join-Path $TestDrive 'bad.scap'
        { Export-ScapEvent -InputPath (Join-Path $TestDrive 'in.scap') -Path $out -Filter 'proc.name = = x' -ErrorAction Stop } |
            Should -Throw -ErrorId 'FilterInvalid,KForensics.Commands.ExportScapEventCommand'
        Test-Path $out | Should -BeFalse
    }

    It 'reports a missing input with PathNotFound and writes nothing' {
        $out = Join-Path $TestDrive 'none.scap'
        Export-ScapEvent -InputPath (Join-Path $TestDrive 'missing.scap') -Path $out -Filter 'evt.type in (open, openat)' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
        Test-Path $out | Should -BeFalse
    }
}
