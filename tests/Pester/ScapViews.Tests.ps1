BeforeAll {
    Import-Module $env:KF_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    $script:sample = Get-KfSharedCapture 'libs_curl_google.scap'
    $script:files = Get-KfSharedCapture 'bencer_ex4-1.scap'

    # What sysdig counts for a view: the sum of positive evt.rawarg.res over the chisel's events.
    function Get-SysdigBytes([string] $File, [string] $Filter) {
        $sum = 0L
        Invoke-KfSysdig @('-r', $File, '-p', '%evt.rawarg.res', "($Filter) and evt.rawarg.res>0") | ForEach-Object { $sum += [long]$_ }
        $sum
    }
}

Describe 'Get-ScapConnection and Get-ScapFileAccess' {
    BeforeDiscovery {
        Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
        $haveCorpus = (Get-KfSharedCapture 'libs_curl_google.scap') -and (Get-KfSharedCapture 'bencer_ex4-1.scap')
        $haveSysdig = Test-KfSysdig
    }

    BeforeAll {
        if ($script:sample) {
            Copy-Item $script:sample (Join-Path $TestDrive 'one.scap')
            Copy-Item $script:sample (Join-Path $TestDrive 'two.scap')
            [System.IO.File]::Copy($script:sample, (Join-Path $TestDrive 'odd[1].scap'))
            $script:rows = @(Get-ScapConnection (Join-Path $TestDrive 'one.scap'))
        }
    }

    It 'sums the bytes topconns sums' -Skip:(-not ($haveCorpus -and $haveSysdig)) {
        $script:rows.Count | Should -BeGreaterThan 0
        $script:rows[0].GetType().FullName | Should -Be 'KForensics.Core.Analysis.ScapConnection'
        $expected = Get-SysdigBytes $script:sample '(fd.type=ipv4 or fd.type=ipv6) and evt.is_io=true'
        ($script:rows | Measure-Object TotalBytes -Sum).Sum | Should -Be $expected
        foreach ($r in $script:rows) {
            $r.BytesToServer + $r.BytesToClient | Should -Be $r.TotalBytes
            $r.BytesRead + $r.BytesWritten | Should -Be $r.TotalBytes
            $r.LastTime | Should -BeGreaterOrEqual $r.FirstTime
            $r.Source | Should -Be (Join-Path $TestDrive 'one.scap')
        }
        $sorted = @($script:rows.TotalBytes | Sort-Object -Descending)
        $script:rows.TotalBytes -join ',' | Should -Be ($sorted -join ',')
    }

    It 'sums the bytes topfiles_bytes sums, split into read and written' -Skip:(-not ($haveCorpus -and $haveSysdig)) {
        $files = @(Get-ScapFileAccess $script:files)
        $files.Count | Should -BeGreaterThan 0
        ($files | Measure-Object TotalBytes -Sum).Sum | Should -Be (Get-SysdigBytes $script:files 'fd.type=file and evt.is_io=true')
        ($files | Measure-Object BytesWritten -Sum).Sum | Should -Be (Get-SysdigBytes $script:files 'fd.type=file and evt.is_io_write=true')
        $opens = @(Invoke-KfSysdig @('-r', $script:files, '-p', '%evt.num', 'evt.type in (open, openat, openat2) and evt.dir=< and fd.type=file')).Count
        ($files | Measure-Object Opens -Sum).Sum | Should -Be $opens
    }

    It 'counts only the events that pass -Filter' -Skip:(-not ($haveCorpus -and $haveSysdig)) {
        $filter = 'evt.is_io_read=true and proc.name=curl'
        $rows = @(Get-ScapConnection $script:sample -Filter $filter)
        ($rows | Measure-Object TotalBytes -Sum).Sum | Should -Be (Get-SysdigBytes $script:sample "(fd.type=ipv4 or fd.type=ipv6) and evt.is_io=true and $filter")
        $rows.BytesWritten | Should -Not -BeGreaterThan 0
        $files = @(Get-ScapFileAccess $script:files -Filter 'fd.name startswith /etc')
        $files.Count | Should -BeGreaterThan 0
        $files.Name | ForEach-Object { $_ | Should -BeLike '/etc*' }
    }

    It 'takes paths by wildcard, literally, by value and by property name' -Skip:(-not $haveCorpus) {
        $n = $script:rows.Count
        @(Get-ScapConnection (Join-Path $TestDrive '[ot]*.scap') | Select-Object -ExpandProperty Source -Unique).Count | Should -Be 3
        @(Get-ScapConnection -LiteralPath (Join-Path $TestDrive 'odd[1].scap')).Count | Should -Be $n
        @(Get-ChildItem -LiteralPath $TestDrive -Filter 't*.scap' | Get-ScapConnection).Count | Should -Be $n
        @([pscustomobject]@{ Path = (Join-Path $TestDrive 'one.scap') } | Get-ScapFileAccess).Count |
            Should -Be @(Get-ScapFileAccess -LiteralPath (Join-Path $TestDrive 'one.scap')).Count
        @([pscustomobject]@{ FullName = (Join-Path $TestDrive 'odd[1].scap') } | Get-ScapConnection).Count | Should -Be $n
        @((Join-Path $TestDrive 'one.scap'), (Join-Path $TestDrive 'two.scap') | Get-ScapConnection).Count | Should -Be (2 * $n)
    }

    It 'shows a table and a short string' -Skip:(-not $haveCorpus) {
        $text = $script:rows | Format-Table | Out-String -Width 400
        $text | Should -Match 'ToServer'
        $text | Should -Match ([regex]::Escape($script:rows[0].Connection))
        $script:rows[0].ToString() | Should -Match "^tcp .+ $($script:rows[0].TotalBytes) B$"
    }

    It 'stops with FilterInvalid on a bad filter' {
        { Get-ScapFileAccess -LiteralPath 'x.scap' -Filter 'fd.nam=/etc' -ErrorAction Stop } | Should -Throw -ErrorId 'FilterInvalid*'
    }

    It 'reports a missing file and goes on' -Skip:(-not $haveCorpus) {
        $rows = @(Get-ScapConnection -LiteralPath (Join-Path $TestDrive 'missing.scap'), (Join-Path $TestDrive 'one.scap') -ErrorVariable errs -ErrorAction SilentlyContinue)
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
        $rows.Count | Should -Be $script:rows.Count
    }

    It 'gives the rows before the damage, then ScapTruncated' -Skip:(-not $haveCorpus) {
        $bytes = [System.IO.File]::ReadAllBytes($script:sample)
        $cut = Join-Path $TestDrive 'cut.scap'
        [System.IO.File]::WriteAllBytes($cut, $bytes[0..([int]($bytes.Length * 0.9))])
        $rows = @(Get-ScapConnection -LiteralPath $cut -ErrorVariable errs -ErrorAction SilentlyContinue)
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ScapTruncated*'
        # Exactly the bytes of the events read before the damage.
        $last = (@(Get-ScapEvent -LiteralPath $cut -ErrorAction SilentlyContinue)[-1]).Number
        $rows.Count | Should -BeGreaterThan 0
        ($rows | Measure-Object TotalBytes -Sum).Sum | Should -Be (Get-ScapConnection -LiteralPath $script:sample -Filter "evt.num<=$last" | Measure-Object TotalBytes -Sum).Sum
    }

    It 'reports a file that is no capture as ScapBadMagic' {
        $bad = Join-Path $TestDrive 'bad.scap'
        Set-Content -LiteralPath $bad -Value 'not a capture'
        $rows = @(Get-ScapFileAccess -LiteralPath $bad -ErrorVariable errs -ErrorAction SilentlyContinue)
        $rows.Count | Should -Be 0
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ScapBadMagic*'
    }
}
