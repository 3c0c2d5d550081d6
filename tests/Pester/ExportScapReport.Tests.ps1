BeforeAll {
    Import-Module $env:KF_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    # The demo capture (the path-traversal scenario), written by the module's own engine.
    $script:demo = Join-Path $TestDrive 'demo.scap'
    New-KfDemoCapture -Path $script:demo | Out-Null
    $script:core = Get-KfModuleDependency 'KForensics.Core'
    $script:chromium = Get-KfChromium
    $script:run = 0

    # Runs headless Chromium on a page; returns what it printed (the DOM with --dump-dom) and its console lines.
    function Invoke-Chromium([string] $Page, [string[]] $Arguments) {
        $script:run++
        $info = [System.Diagnostics.ProcessStartInfo]::new($script:chromium)
        foreach ($a in @('--headless', '--no-sandbox', '--disable-gpu', '--enable-logging=stderr', '--v=0',
                "--user-data-dir=$(Join-Path $TestDrive "profile$($script:run)")") + $Arguments + @([System.Uri]::new([System.IO.Path]::GetFullPath($Page)).AbsoluteUri)) {
            $info.ArgumentList.Add($a)
        }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $process = [System.Diagnostics.Process]::Start($info)
        $out = $process.StandardOutput.ReadToEndAsync()
        $err = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit(120000)) { $process.Kill($true); throw "chromium did not finish on $Page" }
        [pscustomobject]@{
            Output  = $out.Result
            # Messages of the page's console (log, errors, uncaught exceptions, refused loads).
            Console = @($err.Result -split "`n" | Where-Object { $_ -match ':CONSOLE|Uncaught|Refused to' })
        }
    }

    # Width and height from a PNG's IHDR chunk (big-endian, right after the 8-byte signature and chunk header).
    function Get-PngSize([string] $Path) {
        $bytes = [System.IO.File]::ReadAllBytes($Path)
        [byte[]] $signature = 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A
        if ([Convert]::ToHexString($bytes[0..7]) -ne [Convert]::ToHexString($signature)) { throw "$Path is not a PNG" }
        if ([Text.Encoding]::ASCII.GetString($bytes, 12, 4) -ne 'IHDR') { throw "$Path has no IHDR first" }
        function BigEndian([int] $At) { ([uint32]$bytes[$At] -shl 24) -bor ([uint32]$bytes[$At + 1] -shl 16) -bor ([uint32]$bytes[$At + 2] -shl 8) -bor $bytes[$At + 3] }
        [pscustomobject]@{ Width = BigEndian 16; Height = BigEndian 20; Bytes = $bytes.Length }
    }

    # The rows of one table in a serialised DOM.
    function Get-TableRowCount([string] $Dom, [string] $Id) {
        $table = [regex]::Match($Dom, "<table [^>]*id=""$Id""[^>]*>.*?</table>", 'Singleline')
        if (-not $table.Success) { return -1 }
        $body = [regex]::Match($table.Value, '<tbody>(.*)</tbody>', 'Singleline').Groups[1].Value
        ([regex]::Matches($body, '<tr[ >]')).Count
    }
}

Describe 'Export-ScapReport' {
    BeforeDiscovery {
        Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
        $haveChromium = [bool](Get-KfChromium)
    }

    BeforeAll {
        $script:page = Join-Path $TestDrive 'demo.html'
        $script:file = Export-ScapReport -InputPath $script:demo -Path $script:page -PassThru
    }

    It 'writes one self-contained page and returns it with -PassThru' {
        $script:file.GetType().FullName | Should -Be 'KForensics.Infrastructure.ScapReportFile'
        $script:file.Path | Should -Be $script:page
        $script:file.Sha256 | Should -Be (Get-FileHash $script:page -Algorithm SHA256).Hash.ToLowerInvariant()
        $script:file.Length | Should -Be (Get-Item $script:page).Length
        $script:file.Captures | Should -Be @($script:demo)
        $html = Get-Content -Raw $script:page
        $html | Should -Match '^<!DOCTYPE html>'
        $html | Should -Match ((Get-FileHash $script:demo -Algorithm SHA256).Hash.ToLowerInvariant())
        $html | Should -Not -Match 'https?://|@import|url\(|\bsrc\s*='
        $html | Should -Not -Match '(href|src)\s*=\s*"//'
        @(Export-ScapReport -InputPath $script:demo -Path (Join-Path $TestDrive 'quiet.html')).Count | Should -Be 0
    }

    It 'renders in headless Chromium: a full screenshot and no console errors' -Skip:(-not $haveChromium) {
        $blank = Join-Path $TestDrive 'blank.html'
        Set-Content -LiteralPath $blank -Value '<!DOCTYPE html><html><head><meta charset="utf-8"><title>blank</title></head><body></body></html>'
        $blankPng = Join-Path $TestDrive 'blank.png'
        $reportPng = Join-Path $TestDrive 'report.png'
        $null = Invoke-Chromium $blank @("--screenshot=$blankPng", '--window-size=1400,2000')
        $shot = Invoke-Chromium $script:page @("--screenshot=$reportPng", '--window-size=1400,2000')
        $shot.Console | Should -BeNullOrEmpty
        $size = Get-PngSize $reportPng
        $size.Width | Should -Be 1400
        $size.Height | Should -Be 2000
        # A page of text, drawing and tables compresses far worse than an empty white page of the same size.
        $size.Bytes | Should -BeGreaterThan (5 * (Get-PngSize $blankPng).Bytes)
    }

    It 'has the timeline and every table in the DOM, with the rows of the views' -Skip:(-not $haveChromium) {
        $result = Invoke-Chromium $script:page @('--dump-dom')
        $result.Console | Should -BeNullOrEmpty
        $dom = $result.Output
        # The page's script ran under its content security policy (it marks the root element).
        $dom | Should -Match '<html lang="en" class="js">'
        $containers = @(Get-ScapEvent -LiteralPath $script:demo | Select-Object -ExpandProperty ContainerId -Unique)
        $svg = [regex]::Matches($dom, '<svg class="timeline"[^>]*data-lanes="(\d+)"')
        $svg.Count | Should -Be 1
        [int]$svg[0].Groups[1].Value | Should -Be $containers.Count
        ([regex]::Matches($dom, '<g class="lane"')).Count | Should -Be $containers.Count
        ([regex]::Matches($dom, '<path class="cmd" d="[^"]*"><title>')).Count |
            Should -Be @(Get-ScapEvent -LiteralPath $script:demo -Filter 'evt.type in (execve, execveat) and evt.dir=< and evt.failed=false').Count
        Get-TableRowCount $dom 'captures-table' | Should -Be 1
        # The summary shows one line per property of the capture's figures (the capture itself heads the column).
        Get-TableRowCount $dom 'summary-table' | Should -Be ($script:core.GetType('KForensics.Core.Report.CaptureActivity', $true).GetProperties().Count - 1)
        Get-TableRowCount $dom 'activity-table' | Should -Be $containers.Count
        Get-TableRowCount $dom 'connections-table' | Should -Be @(Get-ScapConnection -LiteralPath $script:demo).Count
        Get-TableRowCount $dom 'files-table' | Should -Be @(Get-ScapFileAccess -LiteralPath $script:demo).Count
        @(Get-ScapConnection -LiteralPath $script:demo).Count | Should -BeGreaterThan 0
    }

    It 'shows the markup of a hostile capture as text in the browser' -Skip:(-not $haveChromium) {
        $capture = Join-Path $TestDrive 'hostile.scap'
        $hostile = New-KfHostileCapture $capture
        $page = Join-Path $TestDrive 'hostile.html'
        Export-ScapReport -InputPath $capture -Path $page -Title '<img src=x onerror=alert(7)>' -Filter 'proc.name != "<b>"'
        $result = Invoke-Chromium $page @('--dump-dom')
        $result.Console | Should -BeNullOrEmpty
        $dom = $result.Output
        # The browser's serialisation of text: only &, < and > come back as references.
        function Text([string] $Value) { $Value.Replace('&', '&amp;').Replace('<', '&lt;').Replace('>', '&gt;') }
        ([regex]::Matches($dom, '<script[ >]')).Count | Should -Be 1
        $dom | Should -Not -Match '<img|<svg onload|<b>|<i>'
        $dom | Should -Match ([regex]::Escape((Text "$($hostile::ProcessName) $($hostile::Argument)")))
        $dom | Should -Match ([regex]::Escape((Text $hostile::FileName)))
        $dom | Should -Match ([regex]::Escape((Text $hostile::ContainerName)))
        $dom | Should -Match ([regex]::Escape('<h1>&lt;img src=x onerror=alert(7)&gt;</h1>'))
        Get-TableRowCount $dom 'files-table' | Should -Be @(Get-ScapFileAccess -LiteralPath $capture).Count
    }

    It 'makes one report of several captures from the pipeline' {
        Copy-Item $script:demo (Join-Path $TestDrive 'second.scap')
        $page = Join-Path $TestDrive 'both.html'
        Get-ChildItem -LiteralPath $TestDrive -Filter '*.scap' | Where-Object Name -in 'demo.scap', 'second.scap' | Export-ScapReport -Path $page
        $html = Get-Content -Raw $page
        ([regex]::Matches($html, '<svg class="timeline"')).Count | Should -Be 2
        Get-TableRowCount $html 'connections-table' | Should -Be (2 * @(Get-ScapConnection -LiteralPath $script:demo).Count)
        $html | Should -Match '<th scope="col">Source</th>'
        (Join-Path $TestDrive 'demo.scap'), (Join-Path $TestDrive 'second.scap') | Export-ScapReport -Path $page -Force
        ([regex]::Matches((Get-Content -Raw $page), '<svg class="timeline"')).Count | Should -Be 2
    }

    It 'limits every figure to -Filter' {
        $page = Join-Path $TestDrive 'filtered.html'
        Export-ScapReport -InputPath $script:demo -Path $page -Filter 'proc.name=curl'
        $html = Get-Content -Raw $page
        $html | Should -Match '<code>proc.name=curl</code>'
        Get-TableRowCount $html 'connections-table' | Should -Be @(Get-ScapConnection -LiteralPath $script:demo -Filter 'proc.name=curl').Count
        Get-TableRowCount $html 'files-table' | Should -Be @(Get-ScapFileAccess -LiteralPath $script:demo -Filter 'proc.name=curl').Count
        $events = @(Get-ScapEvent -LiteralPath $script:demo -Filter 'proc.name=curl').Count
        $html | Should -Match "<th scope=""row"">Events</th><td class=""n"" data-v=""$events"">$events</td>"
    }

    It 'refuses to overwrite without -Force, and writes nothing with -WhatIf' {
        { Export-ScapReport -InputPath $script:demo -Path $script:page -ErrorAction Stop } | Should -Throw -ErrorId 'ScapReportTargetExists*'
        { Export-ScapReport -InputPath $script:demo -Path $script:demo -Force -ErrorAction Stop } | Should -Throw -ErrorId 'ScapReportTargetIsInput*'
        { Export-ScapReport -InputPath $script:demo -Path $TestDrive -ErrorAction Stop } | Should -Throw -ErrorId 'PathIsDirectory*'
        $before = (Get-Item $script:page).LastWriteTimeUtc
        Export-ScapReport -InputPath $script:demo -Path $script:page -Force -WhatIf
        (Get-Item $script:page).LastWriteTimeUtc | Should -Be $before
        Export-ScapReport -InputPath $script:demo -Path (Join-Path $TestDrive 'never.html') -WhatIf
        Test-Path (Join-Path $TestDrive 'never.html') | Should -BeFalse
        Export-ScapReport -InputPath $script:demo -Path $script:page -Force
        (Get-Item $script:page).LastWriteTimeUtc | Should -BeGreaterThan $before
        @(Get-ChildItem -LiteralPath $TestDrive -Filter '*.partial').Count | Should -Be 0
    }

    It 'stops with FilterInvalid on a bad filter before writing' {
        { Export-ScapReport -InputPath $script:demo -Path (Join-Path $TestDrive 'bad.html') -Filter 'proc.nam=x' -ErrorAction Stop } | Should -Throw -ErrorId 'FilterInvalid*'
        Test-Path (Join-Path $TestDrive 'bad.html') | Should -BeFalse
    }

    It 'reports a damaged capture up to the damage, with ScapTruncated' {
        $bytes = [System.IO.File]::ReadAllBytes($script:demo)
        $cut = Join-Path $TestDrive 'cut.scap'
        [System.IO.File]::WriteAllBytes($cut, $bytes[0..([int]($bytes.Length * 0.9))])
        $page = Join-Path $TestDrive 'cut.html'
        Export-ScapReport -LiteralInputPath $cut -Path $page -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ScapTruncated*'
        (Get-Content -Raw $page) | Should -Match 'damaged at offset \d+'
    }

    It 'reports a missing input and writes the report of the others' {
        $page = Join-Path $TestDrive 'partial.html'
        Export-ScapReport -LiteralInputPath (Join-Path $TestDrive 'missing.scap'), $script:demo -Path $page -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
        Get-TableRowCount (Get-Content -Raw $page) 'captures-table' | Should -Be 1
    }

    It 'writes progress while it reads' {
        # Progress records reach the host, not the output; a separate runspace keeps them in its Progress stream.
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $env:KF_MODULE_PATH).AddStatement()
            $null = $ps.AddCommand('Export-ScapReport').AddParameter('InputPath', $script:demo).AddParameter('Path', (Join-Path $TestDrive 'progress2.html'))
            $null = $ps.Invoke()
            $progress = @($ps.Streams.Progress | Where-Object Activity -eq 'Export-ScapReport')
        } finally { $ps.Dispose() }
        $progress.Count | Should -BeGreaterThan 1
        $progress[0].StatusDescription | Should -Match '^(Hashing|Reading|Read) demo\.scap \(1 of 1\)$'
        $progress[-1].RecordType | Should -Be 'Completed'
    }
}
