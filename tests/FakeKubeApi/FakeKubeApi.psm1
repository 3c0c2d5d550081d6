# Starts and drives the fake Kubernetes API server (tests/FakeKubeApi) for the Pester tests.
Set-StrictMode -Version Latest

function Get-FakeKubeApiDll {
    <# The fixture's program, built first when there is none or a source file is newer than it. #>
    $project = Join-Path $PSScriptRoot 'FakeKubeApi.csproj'
    $dll = Get-ChildItem (Join-Path $PSScriptRoot 'bin') -Recurse -Filter 'FakeKubeApi.dll' -ErrorAction SilentlyContinue |
        Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1
    $newest = Get-ChildItem $PSScriptRoot -File | Where-Object { $_.Extension -in '.cs', '.csproj' } |
        Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1
    if (-not $dll -or ($newest -and $newest.LastWriteTimeUtc -gt $dll.LastWriteTimeUtc)) {
        & dotnet build $project -c Release --nologo --verbosity quiet | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "Building $project failed." }
        $dll = Get-ChildItem (Join-Path $PSScriptRoot 'bin/Release') -Recurse -Filter 'FakeKubeApi.dll' |
            Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1
    }
    $dll
}

function Start-FakeKubeApi {
    <# Starts the fixture on 127.0.0.1 (a free port) and writes a kubeconfig that points to it. #>
    param([Parameter(Mandatory)] [string] $WorkDirectory, [string] $Token = 'kf-test-token')
    $dll = Get-FakeKubeApiDll

    $state = Join-Path $WorkDirectory 'cluster'
    $log = Join-Path $WorkDirectory 'fake-kube-api.out'
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($dll.FullName, '--state', $state, '--token', $Token)) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($psi)
    $line = $null
    $read = $process.StandardOutput.ReadLineAsync()
    if (-not $read.Wait([TimeSpan]::FromSeconds(60)) -or -not ($line = $read.Result) -or $line -notmatch '^Listening on (http://\S+)') {
        $err = if ($process.HasExited) { $process.StandardError.ReadToEnd() } else { '' }
        if (-not $process.HasExited) { $process.Kill() }
        throw "The fake API server did not start: '$line' $err"
    }
    $url = $Matches[1]

    $kubeconfig = Join-Path $WorkDirectory 'kubeconfig'
    @"
apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: $url
contexts:
- name: fake
  context:
    cluster: fake
    user: analyst
    namespace: default
- name: fake-shop
  context:
    cluster: fake
    user: analyst
    namespace: shop
- name: fake-badtoken
  context:
    cluster: fake
    user: intruder
current-context: fake
users:
- name: analyst
  user:
    token: $Token
- name: intruder
  user:
    token: wrong-token
"@ | Set-Content -Path $kubeconfig -Encoding utf8NoBOM
    [pscustomobject]@{ Process = $process; Url = $url; Kubeconfig = $kubeconfig; StateDirectory = $state; LogPath = $log }
}

function Stop-FakeKubeApi {
    param([Parameter(Mandatory)] $Fake)
    if (-not $Fake.Process.HasExited) { $Fake.Process.Kill(); $Fake.Process.WaitForExit(10000) | Out-Null }
}

function Set-FakeKubeScenario {
    <# Modes: see Scenario.cs (capture modes, checkpoint-* modes). CheckpointDelaySeconds: the kubelet's time to checkpoint. #>
    param([Parameter(Mandatory)] $Fake, [string] $Mode = 'ok', [string] $CaptureSource, [double] $MaxCaptureSeconds = 1, [int] $StartDelayMilliseconds = 300,
        [double] $CheckpointDelaySeconds = 0)
    $body = @{ mode = $Mode; captureSource = $CaptureSource; maxCaptureSeconds = $MaxCaptureSeconds; startDelayMilliseconds = $StartDelayMilliseconds
        checkpointDelaySeconds = $CheckpointDelaySeconds } | ConvertTo-Json
    Invoke-RestMethod -Method Put -Uri "$($Fake.Url)/_fake/scenario" -Body $body -ContentType 'application/json' | Out-Null
}

function Add-FakeKubeObjects {
    param([Parameter(Mandatory)] $Fake, [Parameter(Mandatory)] [hashtable] $Seed)
    Invoke-RestMethod -Method Post -Uri "$($Fake.Url)/_fake/seed" -Body ($Seed | ConvertTo-Json -Depth 10) -ContentType 'application/json' | Out-Null
}

function Get-FakeKubeHistory {
    param([Parameter(Mandatory)] $Fake)
    # Invoke-RestMethod writes a JSON array as one object; enumerate it.
    Invoke-RestMethod -Uri "$($Fake.Url)/_fake/history" | ForEach-Object { $_ }
}

function Get-FakeKubePods {
    param([Parameter(Mandatory)] $Fake)
    Invoke-RestMethod -Uri "$($Fake.Url)/_fake/pods" | ForEach-Object { $_ }
}

function Get-FakeKubeNodeCheckpoint {
    <# The files in a node's kubelet checkpoints directory (/var/lib/kubelet/checkpoints on that node). #>
    param([Parameter(Mandatory)] $Fake, [Parameter(Mandatory)] [string] $Node)
    $dir = Join-Path $Fake.StateDirectory "nodes/$Node/kubelet/checkpoints"
    if (Test-Path -LiteralPath $dir) {
        Get-ChildItem -LiteralPath $dir -File | Where-Object { -not $_.Name.StartsWith('.') } | Sort-Object Name |
            ForEach-Object { [pscustomobject]@{ Name = $_.Name; FullName = $_.FullName; Length = $_.Length } }
    }
}

function Add-FakeKubeNodeCheckpoint {
    <# Copies a file into a node's kubelet checkpoints directory (under its own name, or -Name). #>
    param([Parameter(Mandatory)] $Fake, [Parameter(Mandatory)] [string] $Node, [Parameter(Mandatory)] [string] $Path, [string] $Name)
    $dir = Join-Path $Fake.StateDirectory "nodes/$Node/kubelet/checkpoints"
    New-Item -ItemType Directory -Force -Path $dir | Out-Null
    $target = Join-Path $dir $(if ($Name) { $Name } else { Split-Path -Leaf $Path })
    Copy-Item -LiteralPath $Path -Destination $target -Force
    Get-Item -LiteralPath $target
}

function New-FakeKubeCheckpointArchive {
    <#
    Lays out a kubelet checkpoint archive of a running Docker container without a cluster, as CRI-O or containerd 2.x
    write it. Without -CheckpointDirectory the container is checkpointed now (docker checkpoint create --leave-running).
    #>
    param([Parameter(Mandatory)] [string] $Container, [Parameter(Mandatory)] [string] $OutFile,
        [ValidateSet('crio', 'cri-o', 'containerd')] [string] $Layout = 'containerd',
        [string] $Pod = 'app-pod', [string] $Namespace = 'default', [string] $K8sContainer = 'app',
        [string] $CheckpointDirectory, [string] $Image, [string] $ContainerId)
    $dll = Get-FakeKubeApiDll
    $arguments = @($dll.FullName, 'layout', '--container', $Container, '--layout', $Layout, '--pod', $Pod, '--namespace', $Namespace,
        '--k8s-container', $K8sContainer, '--out', $OutFile)
    if ($CheckpointDirectory) { $arguments += '--checkpoint-dir', $CheckpointDirectory }
    if ($Image) { $arguments += '--image', $Image }
    if ($ContainerId) { $arguments += '--id', $ContainerId }
    $output = & dotnet @arguments 2>&1
    if ($LASTEXITCODE -ne 0) { throw "Laying out the checkpoint archive failed: $($output -join ' ')" }
    Get-Item -LiteralPath ([string]($output | Select-Object -Last 1))
}

Export-ModuleMember -Function *-FakeKube*
