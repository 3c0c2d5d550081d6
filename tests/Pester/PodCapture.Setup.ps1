# Shared by the PodCapture*.Tests.ps1 files: starts the fake API server (tests/FakeKubeApi), seeds the fake
# cluster, writes the capture "sysdig" will produce (the path-traversal scenario, by the module's own writer), and defines helpers.
# Dot-source it in BeforeAll; call Stop-PodCaptureFixture in AfterAll.
Import-Module $env:KF_MODULE_PATH -Force
Import-Module (Join-Path $PSScriptRoot '../FakeKubeApi/FakeKubeApi.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
$script:work = Join-Path ([IO.Path]::GetTempPath()) "kf-podcapture-$PID-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
New-Item -ItemType Directory -Force -Path $work | Out-Null
$script:fake = Start-FakeKubeApi -WorkDirectory $work
$null = New-KfDemoCapture -Path (Join-Path $work 'source.scap')
$script:source = Get-Item -LiteralPath (Join-Path $work 'source.scap')
$script:kc = @{ Kubeconfig = $fake.Kubeconfig }

$batch = 1..5 | ForEach-Object { @{ name = "batch-$_"; namespace = 'batch'; node = "node-$(1 + $_ % 2)"; labels = @{ app = 'batch' }; containers = @(@{ name = 'worker'; image = 'busybox:1.36' }) } }
Add-FakeKubeObjects $fake @{
    namespaces = @('shop', 'batch')
    nodes = @(
        @{ name = 'node-1'; taints = @(@{ key = 'dedicated'; value = 'web'; effect = 'NoSchedule' }, @{ key = 'forensics'; effect = 'NoExecute' }) }
        @{ name = 'node-2'; taints = @() })
    pods = @(
        @{ name = 'web-0'; namespace = 'shop'; node = 'node-1'; labels = @{ app = 'web' }; containers = @(@{ name = 'nginx'; image = 'nginx:1.25' }, @{ name = 'sidecar'; image = 'envoy:1.30' }) }
        @{ name = 'legacy-0'; namespace = 'shop'; node = 'node-2'; runtime = 'docker'; containers = @(@{ name = 'app'; image = 'legacy:1' }) }
        @{ name = 'crio-0'; namespace = 'shop'; node = 'node-2'; runtime = 'cri-o'; containers = @(@{ name = 'app'; image = 'app:2' }) }
        @{ name = 'pending-0'; namespace = 'shop'; containers = @(@{ name = 'app'; image = 'app:2' }) }
    ) + $batch
}

function script:Get-Pod([string] $Namespace, [string] $Name) {
    Invoke-RestMethod -Uri "$($fake.Url)/api/v1/namespaces/$Namespace/pods/$Name" -Headers @{ Authorization = 'Bearer kf-test-token' }
}
function script:Get-CaptureEvents([string] $Kind) {
    @(Get-FakeKubeHistory $fake | Where-Object { $_.event -eq $Kind -and $_.name -like 'kf-capture-*' })
}
function script:New-OutputDirectory {
    $d = Join-Path $work ([guid]::NewGuid().ToString('n')); New-Item -ItemType Directory -Path $d | Out-Null; $d
}
function script:Expand-GzipHash([string] $Path) {
    $in = [IO.File]::OpenRead($Path)
    try {
        $gz = [IO.Compression.GZipStream]::new($in, [IO.Compression.CompressionMode]::Decompress)
        $sha = [Security.Cryptography.SHA256]::Create()
        [Convert]::ToHexString($sha.ComputeHash($gz)).ToLowerInvariant()
    } finally { $in.Dispose() }
}

function script:Stop-PodCaptureFixture {
    if ($script:fake) { Stop-FakeKubeApi $fake }
    if ($script:work -and (Test-Path $work)) { Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue }
}
