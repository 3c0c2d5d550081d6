# Get-CheckpointImage against crit decode on a real specimen checkpoint (Docker engine with CRIU): every
# image file, entry by entry and field by field, after both sides are normalised (CritCompare.ps1).
# Skipped, visibly, when that engine cannot exist here: not Debian as root, or no experimental engine.
#
# The checkpoint is made during discovery, so that every image file it holds gets its own It; the
# container (left running by the checkpoint) is removed in AfterAll, or right away when the checkpoint fails.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.Setup.psm1') -Force
    $script:engineReady = (Test-KfDebianRoot) -and (Get-Command docker -ErrorAction SilentlyContinue) -and (Test-KfDockerExperimental) -and
    [bool](Get-KfCheckpointTool -Name crit)
    $script:skip = -not $script:engineReady
    $script:specimen = @{ Container = $null; Directory = $null; SetupError = $null }
    $script:imageFiles = @(@{ File = '(no checkpoint)' })
    if ($script:engineReady) {
        $name = 'kfci' + [Guid]::NewGuid().ToString('N').Substring(0, 8)
        $script:specimen.Container = $name
        try {
            $checkpoint = New-KfSpecimenCheckpoint -Name $name
            $script:specimen.Directory = $checkpoint.Directory
            $script:imageFiles = @(Get-ChildItem -File -LiteralPath $checkpoint.Directory | Sort-Object Name | ForEach-Object { @{ File = $_.Name } })
        } catch {
            # Reported by every It below (a failed checkpoint is a failure, not a skip).
            $script:specimen.SetupError = "The specimen checkpoint failed: $_"
        }
    }
}

Describe 'Get-CheckpointImage against crit decode (real engine, CRIU)' -Skip:$skip -ForEach @(, $specimen) {
    BeforeAll {
        Import-Module $env:KF_MODULE_PATH -Force
        Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.Setup.psm1') -Force
        . (Join-Path $PSScriptRoot 'CritCompare.ps1')
        $script:directory = $Directory
        $script:setupError = $SetupError

        # Differences that are crit's rendering quirks rather than decoding differences: a regular
        # expression matched against a difference line, and why it is not ours to fix. Empty: on this
        # specimen every rendering of crit's is normalised in CritCompare.ps1.
        $script:critQuirks = @()

        # crit decode --pretty of every file of the checkpoint, once, a few at a time: Name, ExitCode, Json, Error.
        function script:Invoke-CritDecode([string[]] $Path) {
            $tool = Get-KfCheckpointTool -Name crit
            $Path | ForEach-Object -ThrottleLimit ([Math]::Max(2, [Environment]::ProcessorCount)) -Parallel {
                $start = [System.Diagnostics.ProcessStartInfo]::new($using:tool)
                foreach ($a in 'decode', '-i', $_, '--pretty') { $start.ArgumentList.Add($a) }
                $start.RedirectStandardOutput = $true
                $start.RedirectStandardError = $true
                $process = [System.Diagnostics.Process]::Start($start)
                $stderr = $process.StandardError.ReadToEndAsync()
                $stdout = $process.StandardOutput.ReadToEnd()
                $process.WaitForExit()
                $lines = @($stderr.Result.Trim() -split "`n")
                [pscustomobject]@{ Name = [System.IO.Path]::GetFileName($_); ExitCode = $process.ExitCode; Json = $stdout; Error = $lines[-1] }
            }
        }

        $script:crit = @{}
        $script:ours = @{}
        $script:ourErrors = @()
        if (-not $script:setupError) {
            foreach ($r in Invoke-CritDecode @(Get-ChildItem -File -LiteralPath $script:directory | ForEach-Object FullName)) { $script:crit[$r.Name] = $r }
            $errors = $null
            foreach ($image in Get-CheckpointImage -Path $script:directory -IncludePayload -ErrorVariable errors -ErrorAction SilentlyContinue) { $script:ours[$image.Name] = $image }
            $script:ourErrors = @($errors)
        }

        function script:Assert-Specimen { if ($script:setupError) { throw $script:setupError } }
    }

    AfterAll {
        if ($Container -and (Get-Command docker -ErrorAction SilentlyContinue)) { & docker rm -f $Container *> $null }
    }

    It '<File> decodes as crit decode decodes it' -ForEach $imageFiles {
        Assert-Specimen
        $theirs = $crit[$File]
        $theirs | Should -Not -BeNullOrEmpty -Because "crit ran on every file of the checkpoint"
        $image = $ours[$File]
        if ($theirs.ExitCode -ne 0) {
            # Raw data (pages-*.img, tmpfs-dev-*.tar.gz.img) or no image at all (descriptors.json): crit refuses it,
            # and Get-CheckpointImage either leaves it out or lists it as RAW without entries.
            if ($image) {
                $image.MagicName | Should -Be 'RAW' -Because "crit cannot decode $File ($($theirs.Error))"
                $image.Entries.Count | Should -Be 0
            }
            return
        }
        $image | Should -Not -BeNullOrEmpty -Because "crit decodes $File, so Get-CheckpointImage must list it"
        $differences = @(Compare-KfCritImage -Image $image -CritJson $theirs.Json) | Where-Object {
                $line = $_
                -not @($critQuirks | Where-Object { $line -match $_.Pattern })
            }
        $differences = @($differences)
        if ($differences.Count) {
            throw "$File differs from crit decode in $($differences.Count) place(s):`n$($differences -join "`n")"
        }
    }

    It 'decodes exactly the images crit decodes, and writes no error' {
        Assert-Specimen
        $ourErrors | Should -BeNullOrEmpty
        $critSet = @($crit.Values | Where-Object ExitCode -eq 0 | ForEach-Object Name | Sort-Object)
        $ourSet = @($ours.Values | Where-Object MagicName -ne 'RAW' | ForEach-Object Name | Sort-Object)
        foreach ($required in 'inventory.img', 'pstree.img', 'core-1.img', 'mm-1.img', 'files.img') { $critSet | Should -Contain $required }
        $missing = @($critSet | Where-Object { $_ -notin $ourSet })
        $extra = @($ourSet | Where-Object { $_ -notin $critSet })
        $missing | Should -BeNullOrEmpty -Because 'crit decodes these images and Get-CheckpointImage does not'
        $extra | Should -BeNullOrEmpty -Because 'Get-CheckpointImage decodes these images and crit cannot'
    }

    It 'catches a value changed in crit''s output (the comparer is not blind)' {
        Assert-Specimen
        # The first hex number, the first flag set and the first base64 payload crit printed, each changed in turn.
        $cases = @(
            @{ File = 'mm-1.img'; Pattern = '"0x([0-9a-f]+)"'; Change = { param($m) '"0x{0:x}"' -f ([Convert]::ToInt64($m.Groups[1].Value, 16) + 1) } }
            @{ File = 'mm-1.img'; Pattern = '"(PROT_READ) \| PROT_[A-Z]+"'; Change = { param($m) '"' + $m.Groups[1].Value + '"' } }
            @{ File = 'files.img'; Pattern = '"(O_[A-Z]+) \| O_[A-Z]+"'; Change = { param($m) '"' + $m.Groups[1].Value + '"' } }
            @{ File = 'sk-queues.img'; Pattern = '"extra": "([A-Za-z0-9+/])'; Change = { param($m) '"extra": "' + $(if ($m.Groups[1].Value -eq 'A') { 'B' } else { 'A' }) } }
        )
        foreach ($case in $cases) {
            $json = $crit[$case.File].Json
            $regex = [regex]::new($case.Pattern)
            $regex.IsMatch($json) | Should -BeTrue -Because "crit's $($case.File) holds $($case.Pattern)"
            @(Compare-KfCritImage -Image $ours[$case.File] -CritJson $json).Count | Should -Be 0 -Because "$($case.File) itself is expected to agree"
            $changed = $regex.Replace($json, [System.Text.RegularExpressions.MatchEvaluator]$case.Change, 1)
            $found = @(Compare-KfCritImage -Image $ours[$case.File] -CritJson $changed)
            $found.Count | Should -Be 1 -Because "one value of $($case.File) was changed ($($case.Pattern))"
            $found[0] | Should -Match ('^' + [regex]::Escape($case.File) + ' entry \[\d+\] .*: ours=.* crit=')
        }
    }

    It 'writes CriuImageTruncated for a core-1.img cut short by 3 bytes, which crit fails on too' {
        Assert-Specimen
        $copy = Join-Path $TestDrive 'damaged'
        Copy-Item -LiteralPath $directory -Destination $copy -Recurse
        $core = Join-Path $copy 'core-1.img'
        $length = (Get-Item -LiteralPath $core).Length
        $stream = [System.IO.File]::Open($core, 'Open', 'ReadWrite')
        try { $stream.SetLength($length - 3) } finally { $stream.Dispose() }

        $errors = $null
        $out = @(Get-CheckpointImage -Path $copy -Image core-1.img -ErrorVariable errors -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        @($errors).Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'CriuImageTruncated*'
        $errors[0].Exception.Message | Should -Match 'core-1\.img'
        $errors[0].Exception.Message | Should -Match 'offset \d+'

        $theirs = @(Invoke-CritDecode @($core))[0]
        $theirs.ExitCode | Should -Not -Be 0 -Because 'crit cannot decode a truncated core image either'
        $theirs.Error | Should -Match 'Truncated|Error'
    }
}
