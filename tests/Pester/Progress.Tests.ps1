# Write-Progress on the operations that can take more than a second: every capture view, Get-ScapEvent, Get-ScapAlert,
# Export-ScapEvent (both passes) and Export-ScapReport. Each command runs in a runspace of its own with
# $ProgressPreference = 'Continue', and the records it wrote are read from that runspace's progress stream.
# Checkpoint export and import are in ContainerCheckpoint.Tests.ps1 (they need the engine), pod capture in PodCapture.Tests.ps1.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    # 146 k events: enough for several progress reports while it is read.
    $script:big = Get-KfSharedCapture -Name 'bencer_capture.scap'
}

BeforeAll {
    Import-Module $env:KF_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    $script:big = Get-KfSharedCapture -Name 'bencer_capture.scap'
    $script:demo = Join-Path $TestDrive 'demo.scap'
    $script:demo2 = Join-Path $TestDrive 'demo2.scap'
    New-KfDemoCapture -Path $demo | Out-Null
    Copy-Item $demo $demo2
    $script:rules = Join-Path $PSScriptRoot '../Demo/demo_rules.yaml'

    # What one command wrote to the progress stream, and its errors.
    function script:Invoke-Recorded([string] $Script) {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$env:KF_MODULE_PATH'; `$ProgressPreference = 'Continue'; $Script")
            $null = $ps.Invoke()
            [pscustomobject]@{ Progress = @($ps.Streams.Progress); Errors = @($ps.Streams.Error) }
        } finally { $ps.Dispose() }
    }
}

Describe 'Write-Progress while captures are read' -Skip:(-not $big) {
    It '<Command> says which capture it reads, how far it is, and completes the bar' -ForEach @(
        @{ Command = 'Get-ScapSummary'; Arguments = '' }
        @{ Command = 'Get-ScapContainer'; Arguments = '' }
        @{ Command = 'Get-ScapCommand'; Arguments = '' }
        @{ Command = 'Get-ScapProcess'; Arguments = '' }
        @{ Command = 'Get-ScapConnection'; Arguments = '' }
        @{ Command = 'Get-ScapFileAccess'; Arguments = '' }
        @{ Command = 'Get-ScapEvent'; Arguments = '' }
        @{ Command = 'Get-ScapAlert'; Arguments = '-Rule (Import-FalcoRule -LiteralPath RULES)' }
    ) {
        $r = Invoke-Recorded "$Command -LiteralPath '$big' $($Arguments.Replace('RULES', "'$rules'")) | Out-Null"
        $r.Errors | Should -BeNullOrEmpty
        $running = @($r.Progress | Where-Object RecordType -eq 'Processing')
        $running.Count | Should -BeGreaterThan 0 -Because "$Command reads 146 k events"
        $running | ForEach-Object { $_.Activity | Should -Be $Command }
        $running[0].StatusDescription | Should -Be 'Reading bencer_capture.scap'
        $running | ForEach-Object { $_.PercentComplete | Should -BeIn (0..100) }
        $percents = @($running.PercentComplete)
        for ($i = 1; $i -lt $percents.Count; $i++) { $percents[$i] | Should -BeGreaterOrEqual $percents[$i - 1] }
        $r.Progress[-1].RecordType | Should -Be 'Completed'
    }
}

Describe 'Write-Progress while captures are exported' {
    It 'Export-ScapEvent names each pass over each capture, in order, and completes the bar' {
        $target = Join-Path $TestDrive 'exported.scap'
        $r = Invoke-Recorded "Export-ScapEvent -Path '$target' -LiteralInputPath '$demo', '$demo2' -Filter 'evt.type=openat' | Out-Null"
        $r.Errors | Should -BeNullOrEmpty
        Test-Path $target | Should -BeTrue
        $running = @($r.Progress | Where-Object RecordType -eq 'Processing')
        $running | ForEach-Object { $_.Activity | Should -Be 'Export-ScapEvent' }
        $steps = @($running.StatusDescription | Select-Object -Unique)
        $steps | Should -Be @(
            'Collecting the threads, files and containers of demo.scap (1 of 2)'
            'Collecting the threads, files and containers of demo2.scap (2 of 2)'
            'Writing the events of demo.scap (1 of 2)'
            'Writing the events of demo2.scap (2 of 2)')
        # Pass one is the first half of the bar, pass two the second, and the bar never goes back.
        $running | Where-Object StatusDescription -like 'Collecting*' | ForEach-Object { $_.PercentComplete | Should -BeLessOrEqual 50 }
        $running | Where-Object StatusDescription -like 'Writing*' | ForEach-Object { $_.PercentComplete | Should -BeGreaterOrEqual 50 }
        for ($i = 1; $i -lt $running.Count; $i++) { $running[$i].PercentComplete | Should -BeGreaterOrEqual $running[$i - 1].PercentComplete }
        $r.Progress[-1].RecordType | Should -Be 'Completed'
    }

    It 'Export-ScapReport names the section it reads each capture for and completes the bar' {
        $target = Join-Path $TestDrive 'report.html'
        $r = Invoke-Recorded "Export-ScapReport -Path '$target' -LiteralInputPath '$demo' | Out-Null"
        $r.Errors | Should -BeNullOrEmpty
        @($r.Progress | Where-Object RecordType -eq 'Processing').Count | Should -BeGreaterThan 0
        @($r.Progress | Where-Object RecordType -eq 'Processing')[0].StatusDescription | Should -Match 'demo\.scap \(1 of 1\)$'
        $r.Progress[-1].RecordType | Should -Be 'Completed'
    }
}
