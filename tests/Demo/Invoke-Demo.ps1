#requires -Version 7.4
<#
.SYNOPSIS
The path-traversal investigation: builds a capture of the attack, then answers the analyst's
questions with Get-ScapEvent.

.DESCRIPTION
The capture (out/demo/demo.scap) is written by the module's own writer from the path-traversal
scenario of the test captures (tests/KForensics.TestCaptures, laid out beside the module by the build,
not shipped in it): a client pod runs `curl <nginx-ip>/files../etc/passwd`; the nginx pod, whose
`location /files { alias /home/; }` lacks a trailing slash, opens /home/../etc/passwd and sends it back.
The investigation then uses only the module's events: who read /etc/passwd, over which connection,
which container was on the other end, and which command it ran; then the same drill-down with the
views (Get-ScapConnection, Get-ScapCommand), the Falco rules of demo_rules.yaml that fire on it
(Get-ScapAlert), and what a responder attaches to the ticket: a report
(Export-ScapReport, out/demo/report.html) and an evidence slice (Export-ScapEvent). The answers are
checked against the facts the capture was built from; the script fails when any answer is missing or wrong.

.EXAMPLE
pwsh -File tests/Demo/Invoke-Demo.ps1 -ModulePath out/KForensics
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $ModulePath,

    [string] $OutputDirectory
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
if (-not $OutputDirectory) { $OutputDirectory = Join-Path $repo 'out/demo' }
New-Item -ItemType Directory -Force -Path $OutputDirectory | Out-Null
Import-Module (Resolve-Path $ModulePath).Path -Force

# The scenario is test support, not part of the module: written by the module's own writer.
Import-Module (Join-Path $repo 'tests/Setup/KForensics.TestSupport.psm1') -Force
$capture = Join-Path $OutputDirectory 'demo.scap'
$scenario = New-KfDemoCapture -Path $capture
Write-Host "Capture: $capture ($((Get-Item $capture).Length) bytes)" -ForegroundColor Cyan

$events = @(Get-ScapEvent -LiteralPath $capture)
Write-Host "Get-ScapEvent read $($events.Count) events."

function Assert-Answer([string] $Question, $Value) {
    if ($null -eq $Value -or "$Value" -eq '') { throw "No answer to '$Question' in $capture." }
}

# 1. Who opened /etc/passwd?
$open = $events | Where-Object { $_.Type -eq 'openat' -and $_.Direction -eq '<' -and $_.FdName -eq '/etc/passwd' } | Select-Object -First 1
Assert-Answer 'who opened /etc/passwd' $open

# 2. Which connection was that thread serving? The last accept before the open, and the request read on it.
$accept = $events | Where-Object {
    $_.ThreadId -eq $open.ThreadId -and $_.Type -in 'accept', 'accept4' -and $_.Direction -eq '<' -and $_.Number -lt $open.Number
} | Select-Object -Last 1
Assert-Answer 'which connection nginx served' $accept
$request = $events | Where-Object {
    $_.ThreadId -eq $open.ThreadId -and $_.Type -in 'read', 'recvfrom' -and $_.Direction -eq '<' -and
    $_.FdName -eq $accept.FdName -and $_.Number -lt $open.Number
} | Select-Object -Last 1
Assert-Answer 'which request nginx read' $request
$requestLine = ([regex]::Match($request.Info, 'data=(\S+ \S+ HTTP/\d\.\d)')).Groups[1].Value
$clientEndpoint = ($accept.FdName -split '->')[0]
$clientIp = $clientEndpoint.Substring(0, $clientEndpoint.LastIndexOf(':'))

# 3. Which process, in which container, opened that connection?
$connect = $events | Where-Object { $_.Type -eq 'connect' -and $_.Direction -eq '<' -and $_.FdName -eq $accept.FdName } | Select-Object -First 1
Assert-Answer "which container connected from $clientIp" $connect

# 4. With which command?
$exec = $events | Where-Object { $_.Type -eq 'execve' -and $_.Direction -eq '<' -and $_.ProcessId -eq $connect.ProcessId } | Select-Object -Last 1
Assert-Answer 'which command the client ran' $exec

$answers = [ordered]@{
    'File read'                 = $open.FdName
    'Read by'                   = "$($open.ProcessName) (tid $($open.ThreadId)) in container $($open.ContainerName) [$($open.ContainerImage)]"
    'Pod (namespace)'           = "$($open.PodName) ($($open.Namespace))"
    'Path nginx built'          = ([regex]::Match($open.Info, 'name=(\S+)')).Groups[1].Value
    'Request'                   = $requestLine
    'Connection'                = $accept.FdName
    'Client'                    = "$($connect.ProcessName) (pid $($connect.ProcessId)) in container $($connect.ContainerName) [$($connect.ContainerImage)]"
    'Client pod (namespace)'    = "$($connect.PodName) ($($connect.Namespace))"
    'Command'                   = $exec.CommandLine
    'When (UTC)'                = $open.Time.ToString('yyyy-MM-dd HH:mm:ss.fffffff')
}
Write-Host ''
Write-Host 'Which client read /etc/passwd through nginx?' -ForegroundColor Cyan
$answers.GetEnumerator() | ForEach-Object { '{0,-24} {1}' -f $_.Key, $_.Value } | Write-Host

# The answers must be the facts the capture was built from.
$expected = @(
    @('file', $open.FdName, $scenario.TargetFile),
    @('reader container', $open.ContainerName, $scenario.Nginx.Name),
    @('client ip', $clientIp, $scenario.ClientIp.ToString()),
    @('client container', $connect.ContainerName, $scenario.Client.Name),
    @('command', $exec.CommandLine, "curl $($scenario.Url)"),
    @('request', $requestLine, 'GET /files../etc/passwd HTTP/1.1')
)
$wrong = @($expected | Where-Object { $_[1] -ne $_[2] })
foreach ($w in $wrong) { Write-Host "Wrong $($w[0]): got '$($w[1])', the capture holds '$($w[2])'" -ForegroundColor Red }
if ($wrong) { exit 1 }

# The same drill-down with the capture views: nginx's connection, the client's container, its commands.
Write-Host ''
Write-Host 'The drill-down with the views: Get-ScapConnection, then Get-ScapCommand in the client container' -ForegroundColor Cyan
$served = Get-ScapConnection -LiteralPath $capture -Filter 'proc.name=nginx' | Select-Object -First 1
Assert-Answer 'the connection nginx served (Get-ScapConnection)' $served
$clientSide = Get-ScapConnection -LiteralPath $capture -Filter "fd.cip=$($served.ClientAddress) and proc.name!=nginx" | Select-Object -First 1
Assert-Answer 'the client side of that connection (Get-ScapConnection)' $clientSide
$commands = @(Get-ScapCommand -LiteralPath $capture -Filter "container.id=$($clientSide.ContainerId)")
@($served, $clientSide) | Format-Table ContainerName, Protocol, Connection, ProcessName, BytesRead, BytesWritten -AutoSize | Out-String -Width 200 | Write-Host
$commands | Format-Table Time, UserName, ContainerName, ProcessId, CommandLine -AutoSize | Out-String -Width 200 | Write-Host
if ($clientSide.ContainerName -ne $scenario.Client.Name -or ($commands.CommandLine -notcontains "curl $($scenario.Url)")) {
    Write-Host "The views disagree with the capture: client container '$($clientSide.ContainerName)', commands '$($commands.CommandLine -join '; ')'" -ForegroundColor Red
    exit 1
}

# Which Falco rules fire: the team's rules over the same capture, offline.
Write-Host ''
Write-Host 'The Falco rules that fire on the capture: Get-ScapAlert' -ForegroundColor Cyan
$rules = Import-FalcoRule -LiteralPath (Join-Path $PSScriptRoot 'demo_rules.yaml')
$alerts = @(Get-ScapAlert -LiteralPath $capture -Rule $rules)
$alerts | ForEach-Object ToString | Write-Host
$traversal = @($alerts | Where-Object Rule -eq 'Web server reads system files')
if ($traversal.Count -eq 0 -or $traversal[0].OutputFields['fd.name'] -ne $scenario.TargetFile -or $traversal[0].ContainerName -ne $scenario.Nginx.Name) {
    Write-Host "The rules missed the traversal: $($alerts.Count) alerts" -ForegroundColor Red
    exit 1
}

# What the responder attaches to the ticket: the report (with the alerts), and the evidence slice with its hash.
$report = Export-ScapReport -LiteralInputPath $capture -Path (Join-Path $OutputDirectory 'report.html') -Title 'Path traversal through nginx' -Rule $rules -Force -PassThru
$slice = Export-ScapEvent -LiteralInputPath $capture -Path (Join-Path $OutputDirectory 'evidence.scap') -Force `
    -Filter "container.id=$($clientSide.ContainerId) or fd.name=/etc/passwd"
Write-Host "Report: $($report.Path) ($($report.Length) bytes, SHA-256 $($report.Sha256), self-contained HTML)"
Write-Host "Evidence: $($slice.Path) ($($slice.EventCount) events, sha256 $($slice.Sha256))"

$sysdig = Get-Command sysdig -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
if ($sysdig) {
    Write-Host ''
    Write-Host "The same question to sysdig: sysdig -r $capture -p '%evt.num %proc.name %container.name %evt.type' fd.name=/etc/passwd" -ForegroundColor Cyan
    & $sysdig.Source -r $capture -p '%evt.num %proc.name %container.name %evt.type' 'fd.name=/etc/passwd' | Write-Host
}
Write-Host ''
Write-Host 'Demo complete: the investigation found the attacker.' -ForegroundColor Green
