# The one contract every cmdlet keeps: the checkpoint family's vocabulary (-Container, -Checkpoint, -Name,
# -InputObject), output types declared everywhere, the evidence-delivery parameters declared once, checks
# made before ShouldProcess, and a failed item (a full disk included) as that item's error with a stable id.
# The Docker part runs on the real engine with CRIU and is skipped, visibly, where none can run.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    Import-Module $env:KF_MODULE_PATH -Force
    $script:cmdlets = @(Get-Command -Module KForensics -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
    $script:family = @('New-ContainerCheckpoint', 'Get-ContainerCheckpoint', 'Remove-ContainerCheckpoint', 'Export-ContainerCheckpoint',
        'Import-ContainerCheckpoint', 'Restore-Container', 'Compare-ContainerCheckpoint', 'Get-CheckpointFile', 'Get-CheckpointFileChange',
        'Get-CheckpointImage', 'Get-CheckpointMount', 'Get-CheckpointProcess', 'Get-CheckpointSocket', 'Export-CheckpointMemory',
        'Search-CheckpointMemory', 'New-PodCheckpoint', 'Get-PodCheckpoint', 'Remove-PodCheckpoint') | ForEach-Object { @{ Name = $_ } }
    $script:producers = @('Start-PodCapture', 'New-PodCheckpoint', 'Export-ContainerCheckpoint', 'Export-ScapEvent') | ForEach-Object { @{ Name = $_ } }
    $script:root = Test-KfDebianRoot
    $script:skipDocker = -not ($root -and (Get-Command docker -ErrorAction SilentlyContinue) -and (Test-KfDockerExperimental))
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    Import-Module $env:KF_MODULE_PATH -Force
    $script:familyNames = @($family | ForEach-Object Name)
    # An engine endpoint nothing listens on: a cmdlet that reaches for it fails with DockerConnectionFailed.
    $script:dead = "unix://$(Join-Path $TestDrive 'no-engine.sock')"

    # Every error a command writes or throws, as records, with the command run to its end.
    function script:Get-ErrorRecord([scriptblock] $Action) {
        $ErrorActionPreference = 'Continue'
        $records = [System.Collections.Generic.List[object]]::new()
        try { & $Action 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { $records.Add($_) } }
        catch { $records.Add($_) }
        , $records.ToArray()
    }
    # A tmpfs of 64 KiB filled to the last byte: every write to it fails with ENOSPC.
    function script:New-FullDisk([string] $Path) {
        New-Item -ItemType Directory -Force -Path $Path | Out-Null
        & mount -t tmpfs -o size=64k tmpfs $Path
        if ($LASTEXITCODE -ne 0) { throw "mount -t tmpfs $Path failed" }
        $filler = [System.IO.File]::OpenWrite((Join-Path $Path 'filler'))
        try { while ($true) { $filler.Write([byte[]]::new(4096), 0, 4096); $filler.Flush() } } catch [System.IO.IOException] { } finally { try { $filler.Dispose() } catch { } }
    }
}

Describe 'The checkpoint family''s parameters' {
    It 'the family is every checkpoint cmdlet the module has' {
        $all = @(Get-Command -Module KForensics -CommandType Cmdlet | Where-Object { $_.Noun -like '*Checkpoint*' -or $_.Name -eq 'Restore-Container' } | ForEach-Object Name)
        $all | Sort-Object | Should -Be ($familyNames | Sort-Object)
    }

    It '-Container is string[] with the aliases ContainerId, ContainerName and Id wherever it is taken' {
        $with = @($familyNames | Where-Object { (Get-Command $_).Parameters.ContainsKey('Container') })
        $with | Sort-Object | Should -Be @('Export-ContainerCheckpoint', 'Get-ContainerCheckpoint', 'New-ContainerCheckpoint', 'New-PodCheckpoint',
            'Remove-ContainerCheckpoint', 'Restore-Container')
        foreach ($name in $with) {
            $p = (Get-Command $name).Parameters['Container']
            $p.ParameterType | Should -Be ([string[]]) -Because "-Container of $name"
            @($p.Aliases | Sort-Object) | Should -Be @('ContainerId', 'ContainerName', 'Id') -Because "-Container of $name"
        }
    }

    It '<Name>: -InputObject, where taken, is an array' -ForEach $family {
        $p = (Get-Command $Name).Parameters['InputObject']
        if ($p) { $p.ParameterType.IsArray | Should -BeTrue -Because "-InputObject of $Name is $($p.ParameterType)" }
    }

    It '-Name (or an alias Name) is only on the cmdlets that make something new, and names that' {
        $named = @($familyNames | Where-Object {
                $c = Get-Command $_
                $c.Parameters.ContainsKey('Name') -or @($c.Parameters.Values | Where-Object { $_.Aliases -contains 'Name' }).Count -gt 0
            })
        $named | Sort-Object | Should -Be @('Import-ContainerCheckpoint', 'New-ContainerCheckpoint', 'Restore-Container')
    }

    It '-Pod of the cmdlets that act on a pod is the same parameter: string[], by value and by property name Pod, no alias' {
        foreach ($name in 'Start-PodCapture', 'New-PodCheckpoint') {
            $p = (Get-Command $name).Parameters['Pod']
            $p.ParameterType | Should -Be ([string[]]) -Because "-Pod of $name"
            @($p.Aliases) | Should -BeNullOrEmpty -Because "-Pod of $name takes no alias (Name names only a new thing)"
            $attribute = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })[0]
            $attribute.ValueFromPipeline | Should -BeTrue -Because "$name takes pod names by value"
            $attribute.ValueFromPipelineByPropertyName | Should -BeTrue -Because "$name takes the property Pod"
        }
    }

    It 'the checkpoint is -Checkpoint: a parameter of its own where it is named, an alias of the path where it is a file' {
        foreach ($name in 'Get-ContainerCheckpoint', 'Remove-ContainerCheckpoint', 'Export-ContainerCheckpoint', 'Restore-Container', 'Export-CheckpointMemory', 'Remove-PodCheckpoint') {
            (Get-Command $name).Parameters.ContainsKey('Checkpoint') | Should -BeTrue -Because "$name names the checkpoint -Checkpoint"
        }
        foreach ($name in 'Get-CheckpointFile', 'Get-CheckpointFileChange', 'Get-CheckpointImage', 'Get-CheckpointMount', 'Get-CheckpointProcess', 'Get-CheckpointSocket', 'Search-CheckpointMemory') {
            (Get-Command $name).ResolveParameter('Checkpoint').Name | Should -Be 'LiteralPath' -Because "$name takes -Checkpoint for its checkpoint's path"
        }
        (Get-Command Get-CheckpointImage).Parameters.ContainsKey('Image') | Should -BeTrue
    }

    It 'Export-ContainerCheckpoint writes one checkpoint to -Path or any number to -OutputDirectory, never both' {
        $sets = (Get-Command Export-ContainerCheckpoint).ParameterSets
        $sets.Count | Should -Be 4
        foreach ($set in $sets) {
            $targets = @($set.Parameters | Where-Object Name -in 'Path', 'OutputDirectory')
            $targets.Count | Should -Be 1 -Because "set $($set.Name) has one target"
            $targets[0].IsMandatory | Should -BeTrue
        }
    }
}

Describe 'Output types' {
    It '<Name> declares what it writes' -ForEach $cmdlets {
        $types = @((Get-Command $Name).OutputType | ForEach-Object { $_.Type })
        $types.Count | Should -BeGreaterThan 0 -Because "$Name declares [OutputType]"
        $types | Should -Not -Contain ([void])
    }
}

Describe 'The evidence-delivery parameters' {
    It '<Name> takes the five from the one shared declaration' -ForEach $producers {
        $command = Get-Command $Name
        foreach ($p in 'Recipient', 'Destination', 'ConnectionString', 'ManagedIdentityClientId', 'BlobPrefix') {
            $meta = $command.Parameters[$p]
            $meta | Should -Not -BeNullOrEmpty -Because "$Name takes -$p"
            $meta.IsDynamic | Should -BeTrue -Because "-$p of $Name comes from the shared declaration"
            $command.ImplementingType.GetProperty($p) | Should -BeNullOrEmpty -Because "$Name does not declare -$p itself"
            $meta.ParameterType | Should -Be $(if ($p -eq 'Recipient') { [string[]] } else { [string] })
            @($meta.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateNotNullOrEmptyAttribute] }).Count | Should -Be 1
        }
    }

    It 'still checks the keys and the destination before anything is written' {
        $capture = Join-Path $TestDrive 'delivery.scap'
        New-KfDemoCapture -Path $capture | Out-Null
        $out = Join-Path $TestDrive 'delivery-out.scap'
        { Export-ScapEvent -InputPath $capture -Path $out -Filter 'evt.num > 0' -Recipient (Join-Path $TestDrive 'no-such-key.asc') -ErrorAction Stop } |
            Should -Throw -ErrorId 'EvidenceRecipientInvalid*'
        { Export-ScapEvent -InputPath $capture -Path $out -Filter 'evt.num > 0' -Destination 'not a container url' -ErrorAction Stop } |
            Should -Throw -ErrorId 'EvidenceDestinationInvalid*'
        Test-Path "$out*" | Should -BeFalse
    }
}

Describe 'Checks before ShouldProcess' {
    It '<Command> reaches the engine before it asks, so -WhatIf does not hide an engine that is not there' -ForEach @(
        @{ Command = 'New-ContainerCheckpoint'; Arguments = @{ Container = 'c1' } }
        @{ Command = 'Remove-ContainerCheckpoint'; Arguments = @{ Container = 'c1'; Checkpoint = 'cp1' } }
        @{ Command = 'Restore-Container'; Arguments = @{ Container = 'c1'; Checkpoint = 'cp1' } }
        @{ Command = 'Export-ContainerCheckpoint'; Arguments = @{ Container = 'c1'; Checkpoint = 'cp1'; Path = 'TESTDRIVE/never.tar.gz' } }
        @{ Command = 'Import-ContainerCheckpoint'; Arguments = @{ Path = 'TESTDRIVE/some.tar.gz'; Name = 'clone1' } }
    ) {
        Set-Content (Join-Path $TestDrive 'some.tar.gz') 'x'
        $given = @{}
        foreach ($k in $Arguments.Keys) { $given[$k] = $Arguments[$k] -replace '^TESTDRIVE', $TestDrive }
        $errors = Get-ErrorRecord { & $Command @given -DockerHost $dead -WhatIf }
        @($errors | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) | Should -Be @('DockerConnectionFailed')
        $errors[0].CategoryInfo.Category | Should -Be 'ConnectionError'
    }

    It 'DockerHostInvalid: a host that is no Docker endpoint stops the command' {
        { Get-ContainerCheckpoint c1 -DockerHost 'ftp://engine.example' -ErrorAction Stop } | Should -Throw -ErrorId 'DockerHostInvalid*'
    }

    It 'CheckpointExportTargetExists: an existing archive is not replaced without -Force, and the engine is not even asked' {
        $archive = Join-Path $TestDrive 'kept.tar.gz'
        Set-Content $archive 'earlier evidence'
        $errors = Get-ErrorRecord { Export-ContainerCheckpoint -Container c1 -Checkpoint cp1 -Path $archive -DockerHost $dead }
        @($errors | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) | Should -Be @('CheckpointExportTargetExists')
        $errors[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        Get-Content -Raw $archive | Should -Be "earlier evidence$([Environment]::NewLine)"
    }

    It 'CheckpointExportPathReused: a second checkpoint for the one -Path is its own error, checked before the engine' {
        $errors = Get-ErrorRecord { Export-ContainerCheckpoint -Container c1, c2 -Checkpoint cp1 -Path (Join-Path $TestDrive 'one.tar.gz') -DockerHost $dead }
        @($errors | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) | Should -Be @('CheckpointExportPathReused', 'DockerConnectionFailed')
        $errors[0].TargetObject | Should -Be 'cp1'
        $errors[0].Exception.Message | Should -Match "'c2'"
    }

    It '-OutputDirectory must exist' {
        { Export-ContainerCheckpoint -Container c1 -Checkpoint cp1 -OutputDirectory (Join-Path $TestDrive 'nowhere') -DockerHost $dead -ErrorAction Stop } |
            Should -Throw -ErrorId 'PathNotFound*'
    }

    It 'CloneNameTaken: -Name makes one clone, so a second checkpoint is refused before the engine is reached' {
        $errors = Get-ErrorRecord { Restore-Container -Container c1, c2 -Checkpoint cp1 -Name clone1 -DockerHost $dead }
        @($errors | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) | Should -Be @('CloneNameTaken', 'DockerConnectionFailed')
        $errors[0].Exception.Message | Should -Match "'c2'"
    }

    It 'CheckpointMemoryTargetExists: an existing core file is not replaced without -Force' {
        $core = Join-Path $TestDrive 'kept.core'
        Set-Content $core 'earlier core'
        $errors = Get-ErrorRecord { Export-CheckpointMemory -Checkpoint $TestDrive -ProcessId 1 -Path $core }
        @($errors | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) | Should -Be @('CheckpointMemoryTargetExists')
        Get-Content -Raw $core | Should -Be "earlier core$([Environment]::NewLine)"
    }

    It 'MemoryPatternInvalid: a regular expression that does not compile stops the search before any checkpoint is opened' {
        { Search-CheckpointMemory -LiteralPath (Join-Path $TestDrive 'not-there') -Regex '(unclosed' -ErrorAction Stop } | Should -Throw -ErrorId 'MemoryPatternInvalid*'
        { Search-CheckpointMemory -LiteralPath $TestDrive -Pattern a -Regex b -ErrorAction Stop } | Should -Throw -ErrorId 'MemoryPatternInvalid*'
    }
}

Describe 'A full disk is that item''s error, not the end of the pipeline' -Skip:(-not $root) {
    BeforeAll {
        $script:capture = Join-Path $TestDrive 'full.scap'
        New-KfDemoCapture -Path $capture | Out-Null
        $script:full = Join-Path $TestDrive 'full'
        New-FullDisk $full
    }
    AfterAll { & umount $full }

    It 'ScapExportWriteFailed: Export-ScapEvent onto a full disk writes an error, leaves no partial file, and the script goes on' {
        $errors = Get-ErrorRecord { Export-ScapEvent -InputPath $capture -Path (Join-Path $full 'out.scap') -Filter 'evt.num > 0'; 'went on' | Set-Content (Join-Path $TestDrive 'after') }
        @($errors | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) | Should -Be @('ScapExportWriteFailed')
        $errors[0].CategoryInfo.Category | Should -Be 'WriteError'
        $errors[0].Exception.InnerException | Should -BeOfType ([System.IO.IOException])
        Test-Path (Join-Path $TestDrive 'after') | Should -BeTrue
        @(Get-ChildItem $full -Name) | Should -Be @('filler')
    }

    It 'ScapReportWriteFailed: Export-ScapReport onto a full disk writes an error and leaves no partial page' {
        $errors = Get-ErrorRecord { Export-ScapReport -InputPath $capture -Path (Join-Path $full 'report.html') -PassThru }
        @($errors | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) | Should -Be @('ScapReportWriteFailed')
        @(Get-ChildItem $full -Name) | Should -Be @('filler')
    }
}

Describe 'The checkpoint family on the real engine' -Skip:$skipDocker {
    BeforeAll {
        $script:prefix = 'kfcc' + [Guid]::NewGuid().ToString('N').Substring(0, 6)
        $script:specimen = New-KfSpecimenCheckpoint -Name "$prefix-a"
        $script:cp = Get-ContainerCheckpoint $specimen.Container -Checkpoint $specimen.Checkpoint
    }
    AfterAll {
        $ids = @(& docker ps -aq --filter "name=$prefix")
        if ($ids.Count -gt 0) { & docker rm -f $ids | Out-Null }
    }

    It '-OutputDirectory gets one archive per checkpoint, named after its container and checkpoint, hashed' {
        $dir = Join-Path $TestDrive 'archives'
        New-Item -ItemType Directory -Path $dir | Out-Null
        $made = @($cp | Export-ContainerCheckpoint -OutputDirectory $dir)
        $made.Count | Should -Be 1
        [System.IO.Path]::GetFileName($made[0].Path) | Should -Be "$($specimen.Container)-$($specimen.Checkpoint).tar.gz"
        $made[0].Sha256 | Should -Be (Get-FileHash $made[0].Path -Algorithm SHA256).Hash.ToLowerInvariant()
        # The same checkpoint again: the archive exists now, so it is that item's error without -Force.
        $again = Get-ErrorRecord { $cp | Export-ContainerCheckpoint -OutputDirectory $dir }
        @($again | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) | Should -Be @('CheckpointExportTargetExists')
    }

    It 'CheckpointExportWriteFailed: onto a full disk each checkpoint is its own error and the next one is still tried' -Skip:(-not $root) {
        $full = Join-Path $TestDrive 'full-export'
        New-FullDisk $full
        try {
            $errors = Get-ErrorRecord { Export-ContainerCheckpoint -Container $specimen.Container, $specimen.ContainerId -Checkpoint $specimen.Checkpoint -OutputDirectory $full }
            @($errors | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) | Should -Be @('CheckpointExportWriteFailed', 'CheckpointExportWriteFailed')
            $errors[0].CategoryInfo.Category | Should -Be 'WriteError'
            @(Get-ChildItem $full -Name) | Should -Be @('filler')
        } finally { & umount $full }
    }

    It 'CheckpointMemoryWriteFailed: a core file onto a full disk is an error and leaves nothing behind' -Skip:(-not $root) {
        $full = Join-Path $TestDrive 'full-core'
        New-FullDisk $full
        try {
            $errors = Get-ErrorRecord { Export-CheckpointMemory -Checkpoint $specimen.Directory -ProcessId 1 -Path (Join-Path $full 'one.core') }
            @($errors | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) | Should -Be @('CheckpointMemoryWriteFailed')
            @(Get-ChildItem $full -Name) | Should -Be @('filler')
        } finally { & umount $full }
    }

    It 'CheckpointProcessNotFound: a process the checkpoint does not hold' {
        $errors = Get-ErrorRecord { Export-CheckpointMemory -Checkpoint $specimen.Directory -ProcessId 999999 -Path (Join-Path $TestDrive 'none.core') }
        @($errors | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) | Should -Be @('CheckpointProcessNotFound')
        Test-Path (Join-Path $TestDrive 'none.core') | Should -BeFalse
    }

    It 'CheckpointMetadataInvalid: a checkpoint whose config.dump is not JSON is that checkpoint''s error' {
        $layout = Join-Path $TestDrive 'bad-metadata'
        New-Item -ItemType Directory -Path $layout | Out-Null
        Copy-Item -Recurse $specimen.Directory (Join-Path $layout 'checkpoint')
        Set-Content (Join-Path $layout 'config.dump') '{ this is not json'
        $errors = Get-ErrorRecord { $script:described = @(Get-ContainerCheckpoint -LiteralPath $layout, $specimen.Directory) }
        @($errors | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) | Should -Be @('CheckpointMetadataInvalid')
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $script:described.Count | Should -Be 1 -Because 'the good checkpoint after it is still described'
    }

    It 'CheckpointArchiveInvalid: a tar that is no checkpoint export is refused before any container is made' {
        $work = Join-Path $TestDrive 'not-a-checkpoint'
        New-Item -ItemType Directory -Path $work | Out-Null
        Set-Content (Join-Path $work 'notes.txt') 'nothing to restore'
        $tar = Join-Path $TestDrive 'not-a-checkpoint.tar.gz'
        & tar -czf $tar -C $work notes.txt
        $errors = Get-ErrorRecord { Import-ContainerCheckpoint -Path $tar -Name "$prefix-never" -Confirm:$false }
        @($errors | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) | Should -Be @('CheckpointArchiveInvalid')
        @(& docker ps -aq --filter "name=$prefix-never").Count | Should -Be 0
    }

    It 'Remove-ContainerCheckpoint finds each named checkpoint before it asks, and -PassThru returns what it removed' {
        $second = New-ContainerCheckpoint $specimen.Container -Name cp2 -LeaveRunning
        $missing = Get-ErrorRecord { Remove-ContainerCheckpoint -Container $specimen.Container -Checkpoint nosuch -WhatIf }
        @($missing | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) | Should -Be @('CheckpointNotFound')
        $removed = @(Remove-ContainerCheckpoint -Container $specimen.Container -Checkpoint cp2 -PassThru -Confirm:$false)
        $removed.Count | Should -Be 1
        $removed[0].Name | Should -Be 'cp2'
        $removed[0].ContainerId | Should -Be $second.ContainerId
        @(Get-ContainerCheckpoint $specimen.Container | ForEach-Object Name) | Should -Not -Contain 'cp2'
    }
}

Describe 'ScapEvent output contract' {
    BeforeAll {
        $script:capture = Join-Path $TestDrive 'contract.scap'
        New-KfDemoCapture -Path $capture | Out-Null
        # Every event read first, and only then looked at: the reader has moved on from each of them.
        $script:events = @(Get-ScapEvent $capture)
        # The properties Get-ScapEvent's help documents for its output.
        $help = Get-Content -Raw (Join-Path $PSScriptRoot '../../en-US/Get-ScapEvent.md')
        $list = [regex]::Match($help, '(?s)### KForensics\.Core\.Scap\.ScapEvent\s+One object per event, in file order: (.+?)\. These are all').Groups[1].Value
        $script:documented = @($list -split ',\s*' | ForEach-Object { ($_ -replace '\s*\(.*\)$', '').Trim() } | Where-Object { $_ })
    }

    It 'the help lists the properties' {
        $documented.Count | Should -BeGreaterThan 15
        $documented | Should -Contain 'Arguments'
    }

    It 'Select-Object * shows the documented properties and no more' {
        @(($events[0] | Select-Object *).psobject.Properties.Name | Sort-Object) | Should -Be @($documented | Sort-Object)
    }

    It 'ConvertTo-Json and Export-Csv carry the documented properties, no engine records' {
        $sample = @($events | Where-Object { $_.Arguments.Count -gt 0 } | Select-Object -First 20)
        $sample.Count | Should -Be 20
        $json = $sample | ConvertTo-Json -Depth 3 | ConvertFrom-Json
        @($json[0].psobject.Properties.Name | Sort-Object) | Should -Be @($documented | Sort-Object)
        $csv = Join-Path $TestDrive 'events.csv'
        $sample | Export-Csv -Path $csv
        @((Get-Content $csv -TotalCount 1) -split ',' | ForEach-Object Trim('"') | Sort-Object) | Should -Be @($documented | Sort-Object)
    }

    It 'an event kept after the reader moved on keeps its own Info and Arguments' -Skip:(-not (Test-Path (Join-Path $PSScriptRoot '../../../shared/captures/libs_curl_google.scap'))) {
        # A real capture, large enough that the reader's event storage moves on many times under the kept events.
        $real = Join-Path $PSScriptRoot '../../../shared/captures/libs_curl_google.scap'
        $all = @(Get-ScapEvent $real)
        # The same values taken while each event is the reader's current one.
        $live = @(Get-ScapEvent $real | ForEach-Object { "$($_.Number) $($_.Info) | $($_.Arguments)" })
        $kept = @($all | ForEach-Object { "$($_.Number) $($_.Info) | $($_.Arguments)" })
        $live.Count | Should -Be $all.Count
        $live.Count | Should -BeGreaterThan 1000
        @($live | Where-Object { $_ -match '\| \S' }).Count | Should -BeGreaterThan ($live.Count / 2) -Because 'most events have arguments'
        $different = @(for ($i = 0; $i -lt $live.Count; $i++) { if ($live[$i] -cne $kept[$i]) { "$($live[$i]) <> $($kept[$i])" } })
        $different | Should -BeNullOrEmpty
    }

    It '$e.Arguments.fd and $e.Arguments[''name''] find an argument by name, in the table''s order otherwise' {
        $open = @($events | Where-Object { $_.Direction -eq '<' -and $_.Arguments.ContainsKey('fd') -and $_.Arguments.ContainsKey('name') } | Select-Object -First 1)
        $open.Count | Should -Be 1
        $e = $open[0]
        $byOrder = @{}
        for ($i = 0; $i -lt $e.Arguments.Count; $i++) { $byOrder[$e.Arguments[$i].Key] = $e.Arguments[$i].Value }
        $e.Arguments.fd | Should -Be $byOrder['fd']
        $e.Arguments['name'] | Should -Be $byOrder['name']
        $e.Arguments.name | Should -BeOfType [string]
        $e.Info | Should -Match ([regex]::Escape("name=$($e.Arguments.name)"))
        $e.Arguments.nosuch | Should -BeNullOrEmpty
        ($e.Arguments | ConvertTo-Json -Compress | ConvertFrom-Json).name | Should -Be $e.Arguments.name
    }
}

Describe 'An input that cannot be read is that input''s error' -Skip:(-not (Test-Path /proc/self/mem)) {
    BeforeAll {
        # /proc/self/mem opens, then fails every read at offset 0 with EIO: an I/O failure no capture or rules file can fake.
        $script:unreadable = '/proc/self/mem'
        $script:capture = Join-Path $TestDrive 'io.scap'
        New-KfDemoCapture -Path $capture | Out-Null
        $script:expected = @(Get-ScapEvent -LiteralPath $capture).Count
    }

    It 'ScapOpenFailed: Get-ScapEvent writes the error and goes on to the next capture' {
        $errors = Get-ErrorRecord { $script:read = @(Get-ScapEvent -LiteralPath $unreadable, $capture) }
        @($errors | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) | Should -Be @('ScapOpenFailed')
        $errors[0].CategoryInfo.Category | Should -Be 'ReadError'
        $errors[0].TargetObject | Should -Be $unreadable
        $errors[0].Exception.InnerException | Should -BeOfType ([System.IO.IOException])
        $script:read.Count | Should -Be $expected
        $expected | Should -BeGreaterThan 0
    }

    It 'ScapReadFailed: a view writes the error and still summarises the next capture' {
        $errors = Get-ErrorRecord { $script:summary = @(Get-ScapSummary -LiteralPath $unreadable, $capture) }
        @($errors | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) | Should -Be @('ScapReadFailed')
        $errors[0].TargetObject | Should -Be $unreadable
        @($script:summary | Where-Object { "$($_.Source)" -eq $capture -or "$($_.Path)" -eq $capture }).Count | Should -BeGreaterThan 0
    }

    It 'FalcoRuleReadFailed: a rules file that exists but cannot be read' {
        $errors = Get-ErrorRecord { Import-FalcoRule -Path $unreadable }
        @($errors | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) | Should -Be @('FalcoRuleReadFailed')
    }

    It 'ScapExportReadFailed: a capture that breaks off while Export-ScapEvent reads it leaves no file' {
        $bytes = [System.IO.File]::ReadAllBytes($capture)
        $cut = Join-Path $TestDrive 'cut.scap'
        [System.IO.File]::WriteAllBytes($cut, $bytes[0..([int]($bytes.Length * 0.6))])
        $out = Join-Path $TestDrive 'cut-export.scap'
        { Export-ScapEvent -LiteralInputPath $cut -Path $out -Filter 'evt.num > 0' -ErrorAction Stop } | Should -Throw -ErrorId 'ScapExportReadFailed*'
        @(Get-ChildItem $TestDrive -Filter 'cut-export*').Count | Should -Be 0
    }
}
