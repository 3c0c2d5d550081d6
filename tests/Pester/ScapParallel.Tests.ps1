BeforeAll {
    Import-Module $env:KF_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    $script:dir = Join-Path $TestDrive 'captures'
    New-Item -ItemType Directory $script:dir | Out-Null
    $first = Join-Path $script:dir 'a.scap'
    $script:scenario = New-KfDemoCapture -Path $first
    foreach ($n in 'b', 'c', 'd') { Copy-Item $first (Join-Path $script:dir "$n.scap") }
    # A fifth capture cut short: its events up to the cut, then its error, whatever the others do.
    $bytes = [System.IO.File]::ReadAllBytes($first)
    [System.IO.File]::WriteAllBytes((Join-Path $script:dir 'e.scap'), $bytes[0..([int]($bytes.Length * 0.8))])
    $script:files = @(Get-ChildItem $script:dir -Filter *.scap | Sort-Object Name)
    $script:rules = Join-Path $TestDrive 'rules.yaml'
    Set-Content $script:rules "- rule: opens`n  desc: d`n  condition: evt.type in (open, openat) and evt.dir=<`n  output: '%proc.name %fd.name'`n  priority: INFO"

    function Group-BySource($Objects, [string] $Property) {
        $by = @{}
        foreach ($o in $Objects) { $by[$o.$Property] += @($o) }
        $by
    }
}

Describe 'Several captures at once (-ThrottleLimit)' {
    It 'Get-ScapEvent: the output of reading the captures one after the other, in the order given' {
        $one = @($script:files | Get-ScapEvent -ThrottleLimit 1 -ErrorAction SilentlyContinue)
        $sequential = Group-BySource $one Source
        $parallel = @($script:files | Get-ScapEvent -ThrottleLimit 2 -ErrorVariable damage -ErrorAction SilentlyContinue)
        ($parallel | ForEach-Object { "$($_.Source)#$($_.Number)" }) -join ',' | Should -Be (($one | ForEach-Object { "$($_.Source)#$($_.Number)" }) -join ',')
        $byFile = Group-BySource $parallel Source
        $byFile.Keys.Count | Should -Be 5
        foreach ($f in $script:files) {
            $byFile[$f.FullName].Count | Should -BeGreaterThan 0
            ($byFile[$f.FullName].Number -join ',') | Should -Be ($sequential[$f.FullName].Number -join ',')
        }
        $damage.Count | Should -Be 1
        $damage[0].TargetObject | Should -Be (Join-Path $script:dir 'e.scap')
    }

    It 'the views give the rows they give one capture at a time' {
        $one = @($script:files | Get-ScapSummary -ThrottleLimit 1 -ErrorAction SilentlyContinue)
        $two = @($script:files | Get-ScapSummary -ThrottleLimit 2 -ErrorAction SilentlyContinue)
        $two.Source | Should -Be $script:files.FullName
        $two.Count | Should -Be 5
        for ($i = 0; $i -lt 5; $i++) {
            $two[$i].Source | Should -Be $one[$i].Source
            $two[$i].Events | Should -Be $one[$i].Events
            $two[$i].FileOpens | Should -Be $one[$i].FileOpens
            $two[$i].NetBytes | Should -Be $one[$i].NetBytes
        }
        $connections = @(Get-ScapConnection -LiteralPath $script:files.FullName -ThrottleLimit 3 -ErrorAction SilentlyContinue)
        (Group-BySource $connections Source).Keys.Count | Should -Be 5
    }

    It 'Get-ScapAlert: each capture''s alerts in event order, as read alone' {
        $one = Group-BySource @(Get-ScapAlert -LiteralPath $script:files.FullName -Rule $script:rules -ThrottleLimit 1 -ErrorAction SilentlyContinue) Capture
        $two = Group-BySource @(Get-ScapAlert -LiteralPath $script:files.FullName -Rule $script:rules -ThrottleLimit 4 -ErrorAction SilentlyContinue) Capture
        foreach ($f in $script:files) {
            $two[$f.FullName].Count | Should -BeGreaterThan 0
            ($two[$f.FullName].EventNumber -join ',') | Should -Be ($one[$f.FullName].EventNumber -join ',')
        }
    }

    It 'stops cleanly when the pipeline stops early' {
        $first = @($script:files | Get-ScapEvent -ThrottleLimit 2 | Select-Object -First 3)
        $first.Count | Should -Be 3
    }

    It 'compiles the filter once up front: a bad one stops the command before any capture is read' {
        { $script:files | Get-ScapEvent -Filter 'proc.name=' -ThrottleLimit 2 -ErrorAction Stop } | Should -Throw -ErrorId 'FilterInvalid*'
        $filtered = @($script:files | Get-ScapEvent -Filter 'fd.name=/etc/passwd' -ThrottleLimit 2 -ErrorAction SilentlyContinue)
        $alone = @(Get-ScapEvent -LiteralPath $script:files[0].FullName -Filter 'fd.name=/etc/passwd')
        @($filtered | Where-Object Source -eq $script:files[0].FullName).Count | Should -Be $alone.Count
        $alone.Count | Should -BeGreaterThan 0
    }
}
