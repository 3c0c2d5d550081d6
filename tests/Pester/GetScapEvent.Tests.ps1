BeforeAll {
    Import-Module $env:KF_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    $script:sample = Get-KfSharedCapture 'libs_curl_google.scap'
    $script:haveCorpus = [bool]$script:sample
    $script:haveSysdig = Test-KfSysdig
}

Describe 'Get-ScapEvent' {
    BeforeDiscovery {
        Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
        $haveCorpus = [bool](Get-KfSharedCapture 'libs_curl_google.scap')
        $haveSysdig = Test-KfSysdig
    }

    BeforeAll {
        if ($script:haveCorpus) {
            Copy-Item $script:sample (Join-Path $TestDrive 'one.scap')
            Copy-Item $script:sample (Join-Path $TestDrive 'two.scap')
            [System.IO.File]::Copy($script:sample, (Join-Path $TestDrive 'odd[1].scap'))
            $script:count = @(Get-ScapEvent -LiteralPath (Join-Path $TestDrive 'one.scap')).Count
        }
    }

    It 'reads a capture into ScapEvent objects in file order' -Skip:(-not $haveCorpus) {
        $events = @(Get-ScapEvent (Join-Path $TestDrive 'one.scap'))
        $events.Count | Should -Be 1221
        $events[0].GetType().FullName | Should -Be 'KForensics.Core.Scap.ScapEvent'
        $numbers = $events.Number
        ($numbers | Sort-Object) -join ',' | Should -Be ($numbers -join ',')
        $events[0].Time.Kind | Should -Be ([DateTimeKind]::Utc)
        $events[0].Source | Should -Be (Join-Path $TestDrive 'one.scap')
    }

    It 'fills Fields with what sysdig -p prints, <NA> as null' -Skip:(-not ($haveCorpus -and $haveSysdig)) {
        $fields = 'proc.aname[1]', 'user.loginuid', 'evt.arg.flags', 'fd.sport'
        $expected = @(Invoke-KfSysdig @('-r', $script:sample, '-p', ('*%evt.num|' + (($fields | ForEach-Object { "%$_" }) -join '|'))))
        $ours = @(Get-ScapEvent $script:sample -Field $fields | ForEach-Object {
            $e = $_
            "$($e.Number)|" + (($fields | ForEach-Object { if ($null -eq $e.Fields[$_]) { '<NA>' } else { $e.Fields[$_] } }) -join '|')
        })
        $ours.Count | Should -Be $expected.Count
        $ours | Should -Be $expected
    }

    It 'refuses a field it cannot print, before reading, with FieldInvalid' -Skip:(-not $haveCorpus) {
        { Get-ScapEvent $script:sample -Field 'fd.cproto' -ErrorAction Stop } |
            Should -Throw -ErrorId 'FieldInvalid,KForensics.Commands.GetScapEventCommand' -ExpectedMessage '*services database*'
        { Get-ScapEvent $script:sample -Field 'proc.aname' -ErrorAction Stop } | Should -Throw -ExpectedMessage '*only be used in filters*'
        (Get-ScapField fd.cproto).Computable | Should -BeFalse
        (Get-ScapField proc.aexepath).InSysdig | Should -BeFalse
        { Get-ScapEvent $script:sample -Field 'span.id' -ErrorAction Stop } |
            Should -Throw -ErrorId 'FieldInvalid,KForensics.Commands.GetScapEventCommand' -ExpectedMessage '*tracer*'
        { Get-ScapEvent $script:sample -Field 'evt.around[1]' -ErrorAction Stop } | Should -Throw -ExpectedMessage '*only be used in filters*'
    }

    It 'offers the syslog fields and evt.around, and says why span, evtin and mesos fields cannot be read' {
        @(Get-ScapField 'syslog.*' | Where-Object { -not $_.Computable }).Count | Should -Be 0
        @(Get-ScapField 'syslog.*').Count | Should -Be 5
        (Get-ScapField evt.around).Computable | Should -BeTrue
        $tracer = @(Get-ScapField 'span.*', 'evtin.*')
        $tracer.Count | Should -BeGreaterThan 30
        $tracer | ForEach-Object { $_.NotComputableReason | Should -BeLike '*tracer*' }
        $mesos = @(Get-ScapField 'mesos.*')
        $mesos.Count | Should -Be 6
        $mesos | ForEach-Object { $_.NotComputableReason | Should -BeLike '*live Mesos master*' }
    }

    It 'prints the line sysdig prints by default' -Skip:(-not ($haveCorpus -and $haveSysdig)) {
        $expected = @(Invoke-KfSysdig @('-r', $script:sample) | Select-Object -First 5)
        $ours = @(Get-ScapEvent $script:sample | Select-Object -First 5 | ForEach-Object ToString)
        $expected.Count | Should -Be 5
        $ours | Should -Be $expected
    }

    It 'expands wildcards in -Path' -Skip:(-not $haveCorpus) {
        @(Get-ScapEvent (Join-Path $TestDrive 'tw?.scap')).Count | Should -Be $script:count
        @(Get-ScapEvent (Join-Path $TestDrive '[ot]*.scap') | Select-Object -ExpandProperty Source -Unique).Count | Should -Be 3
    }

    It 'takes -LiteralPath as written, brackets included' -Skip:(-not $haveCorpus) {
        @(Get-ScapEvent -LiteralPath (Join-Path $TestDrive 'odd[1].scap')).Count | Should -Be $script:count
    }

    It 'binds Get-ChildItem output and any object with a Path property' -Skip:(-not $haveCorpus) {
        @(Get-ChildItem -LiteralPath $TestDrive -Filter 't*.scap' | Get-ScapEvent).Count | Should -Be $script:count
        @([pscustomobject]@{ Path = (Join-Path $TestDrive 'one.scap') } | Get-ScapEvent).Count | Should -Be $script:count
        @([pscustomobject]@{ FullName = (Join-Path $TestDrive 'odd[1].scap') } | Get-ScapEvent).Count | Should -Be $script:count
        @((Join-Path $TestDrive 'one.scap'), (Join-Path $TestDrive 'two.scap') | Get-ScapEvent).Count | Should -Be (2 * $script:count)
    }

    It 'emits the hidden events only with -IncludeHidden' -Skip:(-not $haveCorpus) {
        $all = @(Get-ScapEvent (Join-Path $TestDrive 'one.scap') -IncludeHidden)
        $all.Count | Should -BeGreaterThan $script:count
        @($all | Where-Object IsHidden).Count | Should -Be ($all.Count - $script:count)
    }

    It 'stops early without reading the rest' -Skip:(-not $haveCorpus) {
        # The tail of this copy is cut off: a command that read on would report ScapTruncated.
        $bytes = [System.IO.File]::ReadAllBytes((Join-Path $TestDrive 'one.scap'))
        $cut = Join-Path $TestDrive 'early.scap'
        [System.IO.File]::WriteAllBytes($cut, $bytes[0..([int]($bytes.Length * 0.9))])
        $first = @(Get-ScapEvent -LiteralPath $cut -ErrorVariable errs -ErrorAction SilentlyContinue | Select-Object -First 3)
        $first.Number | Should -Be @(@(Get-ScapEvent -LiteralPath (Join-Path $TestDrive 'one.scap'))[0..2].Number)
        $errs.Count | Should -Be 0
    }

    It 'reports a damaged capture once, after the events before the damage' -Skip:(-not $haveCorpus) {
        $plain = Join-Path $TestDrive 'plain.scap'
        $gz = [System.IO.Compression.GZipStream]::new([System.IO.File]::OpenRead($script:sample), [System.IO.Compression.CompressionMode]::Decompress)
        $out = [System.IO.File]::Create($plain)
        try { $gz.CopyTo($out) } finally { $out.Dispose(); $gz.Dispose() }
        $bytes = [System.IO.File]::ReadAllBytes($plain)
        $cut = Join-Path $TestDrive 'cut.scap'
        [System.IO.File]::WriteAllBytes($cut, $bytes[0..([int]($bytes.Length / 2))])

        $events = @(Get-ScapEvent $cut -ErrorVariable problems -ErrorAction SilentlyContinue)
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'ScapTruncated,KForensics.Commands.GetScapEventCommand'
        $problems[0].TargetObject | Should -Be $cut
        $problems[0].Exception.Offset | Should -BeGreaterThan 0
        $problems[0].Exception.BlockTypeName | Should -Match '^EV'
        $events.Count | Should -BeGreaterThan 0
        $events.Count | Should -BeLessThan $script:count
        $events[-1].Number | Should -BeLessThan 1221
    }

    It 'reports a file that is not a capture and goes on with the next' -Skip:(-not $haveCorpus) {
        $junk = Join-Path $TestDrive 'junk.scap'
        Set-Content -LiteralPath $junk -Value 'not a capture at all, just text'
        $events = @(Get-ScapEvent $junk, (Join-Path $TestDrive 'one.scap') -ErrorVariable problems -ErrorAction SilentlyContinue)
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'ScapBadMagic,KForensics.Commands.GetScapEventCommand'
        $events.Count | Should -Be $script:count
    }

    It 'stops promptly when the pipeline is stopped (Ctrl+C)' -Skip:(-not $haveCorpus) {
        $big = Get-KfSharedCapture 'bencer_capture.scap'
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$env:KF_MODULE_PATH'; Get-ScapEvent -IncludeHidden -LiteralPath (@('$big') * 500) | Out-Null")
            $async = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 1500
            $async.IsCompleted | Should -BeFalse -Because 'reading the capture 500 times takes far longer than 1.5 s'
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.ElapsedMilliseconds | Should -BeLessThan 2000
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'reports a missing file with PathNotFound' {
        Get-ScapEvent -LiteralPath (Join-Path $TestDrive 'nope.scap') -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -Be 'PathNotFound,KForensics.Commands.GetScapEventCommand'
    }

    It 'shows events in a table' -Skip:(-not $haveCorpus) {
        $text = Get-ScapEvent (Join-Path $TestDrive 'one.scap') | Select-Object -First 2 | Format-Table | Out-String
        $text | Should -Match 'Number'
        $text | Should -Match 'Info'
    }
}
