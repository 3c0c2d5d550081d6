# Get-ScapEvent on damaged captures: one non-terminating error with a stable id, the file, the byte
# offset and the block type; the events before the damage still come out. The captures are written
# by the module's own engine (PathTraversalScenario on ScapWriter) and then damaged.
BeforeAll {
    Import-Module $env:KF_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    $folder = Join-Path ([IO.Path]::GetTempPath()) "kf-damage-$PID"
    New-Item -ItemType Directory -Force -Path $folder | Out-Null
    $intactPath = Join-Path $folder 'intact.scap'
    New-KfDemoCapture -Path $intactPath | Out-Null
    $intact = [IO.File]::ReadAllBytes($intactPath)
    $allEvents = @(Get-ScapEvent -LiteralPath $intactPath)

    # Offsets of the block chain of the intact capture.
    $blocks = [System.Collections.Generic.List[object]]::new()
    $at = 0
    while ($at -lt $intact.Length) {
        $length = [BitConverter]::ToUInt32($intact, $at + 4)
        $blocks.Add([pscustomobject]@{ Offset = $at; Length = [int]$length; Type = [BitConverter]::ToUInt32($intact, $at) })
        $at += $length
    }

    # Reads a damaged capture: one error naming the block's offset, with the events before that block.
    function Assert-OneDamage([string] $Path, $Victim, [string] $Id) {
        $errs = $null
        $events = @(Get-ScapEvent -LiteralPath $Path -ErrorVariable errs -ErrorAction SilentlyContinue)
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike "$Id*"
        $errs[0].Exception.Message | Should -BeLike "*$($Victim.Offset)*"
        $before = @($allEvents | Where-Object { $_.RawTime -lt [BitConverter]::ToUInt64($intact, $Victim.Offset + 10) })
        $events.Count | Should -Be $before.Count
        ($events | ForEach-Object ToString) | Should -Be ($before | ForEach-Object ToString)
        return $errs[0]
    }

    function Save-Damaged([string] $Name, [byte[]] $Bytes) {
        $path = Join-Path $folder $Name
        [IO.File]::WriteAllBytes($path, $Bytes)
        return $path
    }
}

AfterAll {
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $folder
}

Describe 'Get-ScapEvent on damaged captures' {
    It 'reads the intact capture without errors' {
        $errs = $null
        $events = @(Get-ScapEvent -LiteralPath $intactPath -ErrorVariable errs)
        $errs | Should -BeNullOrEmpty
        $events.Count | Should -BeGreaterThan 50
    }

    It 'reports a cut inside an event block once, with offset and block type, after the earlier events' {
        $victim = $blocks | Where-Object Type -eq 0x216 | Select-Object -Skip 30 -First 1
        $path = Save-Damaged 'cut.scap' $intact[0..($victim.Offset + 20)]
        $err = Assert-OneDamage $path $victim 'ScapTruncated'
        $err.Exception.Message | Should -BeLike '*EV_V2*'
        $err.TargetObject | Should -Not -BeNullOrEmpty
        "$($err.TargetObject) $($err.Exception.Message)" | Should -BeLike '*cut.scap*'
    }

    It 'refuses wrong magic and major version 2 with their own ids' -TestCases @(
        @{ Offset = 8; Value = 0x4D3C2B1A; Id = 'ScapBadMagic*' }
        @{ Offset = 12; Value = 0x00020002; Id = 'ScapUnsupportedVersion*' }
    ) {
        param($Offset, $Value, $Id)
        $bytes = [byte[]]$intact.Clone()
        [BitConverter]::GetBytes([uint32]$Value).CopyTo($bytes, $Offset)
        $path = Save-Damaged "header-$Offset.scap" $bytes
        $errs = $null
        $events = @(Get-ScapEvent -LiteralPath $path -ErrorVariable errs -ErrorAction SilentlyContinue)
        $events.Count | Should -Be 0
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike $Id
    }

    It 'goes on with the next file after a damaged one' {
        $bytes = [byte[]]$intact.Clone()
        $victim = $blocks | Where-Object Type -eq 0x216 | Select-Object -Skip 10 -First 1
        [BitConverter]::GetBytes([uint32]0).CopyTo($bytes, $victim.Offset + 4)
        $path = Save-Damaged 'zero-length.scap' $bytes
        $errs = $null
        $events = @(Get-ScapEvent -LiteralPath $path, $intactPath -ErrorVariable errs -ErrorAction SilentlyContinue)
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ScapBadBlockLength*'
        @($events | Where-Object Source -like '*intact.scap').Count | Should -Be $allEvents.Count
    }

    It 'reports an event whose length does not fit its block as ScapCorruptBlock, after the events before it' {
        $victim = $blocks | Where-Object Type -eq 0x216 | Select-Object -Skip 20 -First 1
        # EV_V2 block: type, length, cpu (2 bytes), then the event header: ts (8), tid (8), len (4) at block offset 26.
        $bytes = [byte[]]$intact.Clone()
        [BitConverter]::ToUInt32($bytes, $victim.Offset + 26) | Should -BeLessThan $victim.Length -Because 'the event fits its block before the damage'
        [BitConverter]::GetBytes([uint32]($victim.Length + 100)).CopyTo($bytes, $victim.Offset + 26)
        $path = Save-Damaged 'event-length.scap' $bytes
        $err = Assert-OneDamage $path $victim 'ScapCorruptBlock'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.Exception.Message | Should -BeLike "*event length $($victim.Length + 100) does not fit the block*"
    }
}
