<#
.SYNOPSIS
Compiles the markdown help in en-US/ into MAML (KForensics.dll-Help.xml) and about_ text files.

.DESCRIPTION
Runs in a fresh pwsh against the laid-out module. Parameter metadata (type, position, pipeline
input, sets, aliases) comes from the compiled cmdlets themselves; the prose (synopsis,
description, parameter descriptions, examples, inputs, outputs, notes, links) comes from
en-US/<Cmdlet>.md. Fails when a cmdlet has no help file, or the file lacks a synopsis, a
description of any parameter, or an example, so help can never fall behind the code.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $SourceDirectory,
    [Parameter(Mandatory)] [string] $OutputDirectory
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$commonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters +
    [System.Management.Automation.PSCmdlet]::OptionalCommonParameters

function Read-HelpMarkdown([string] $path) {
    # Sections: '## NAME' at level 2; parameters, examples, inputs and outputs at level 3.
    $doc = @{ Sections = [ordered]@{}; Parameters = [ordered]@{}; Examples = [System.Collections.Generic.List[object]]::new()
              Inputs = [ordered]@{}; Outputs = [ordered]@{} }
    $section = $null; $sub = $null; $buffer = [System.Collections.Generic.List[string]]::new()
    $inFence = $false

    $flush = {
        $text = ($buffer -join "`n").Trim()
        if ($section -and -not $sub) { $doc.Sections[$section] = $text }
        elseif ($section -eq 'PARAMETERS') { $doc.Parameters[$sub.TrimStart('-')] = $text }
        elseif ($section -eq 'INPUTS') { $doc.Inputs[$sub] = $text }
        elseif ($section -eq 'OUTPUTS') { $doc.Outputs[$sub] = $text }
        elseif ($section -eq 'EXAMPLES') {
            $code = [System.Collections.Generic.List[string]]::new(); $remarks = [System.Collections.Generic.List[string]]::new()
            $fence = $false
            foreach ($l in $buffer) {
                if ($l -match '^```') { $fence = -not $fence; continue }
                if ($fence) { $code.Add($l) } else { $remarks.Add($l) }
            }
            $doc.Examples.Add([pscustomobject]@{ Title = $sub; Code = ($code -join "`n").Trim(); Remarks = ($remarks -join "`n").Trim() })
        }
        $buffer.Clear()
    }

    foreach ($line in [System.IO.File]::ReadAllLines($path)) {
        if ($line -match '^```') { $inFence = -not $inFence }
        if (-not $inFence -and $line -match '^## (.+)$') { & $flush; $section = $Matches[1].Trim().ToUpperInvariant(); $sub = $null; continue }
        if (-not $inFence -and $line -match '^### (.+)$' -and $section -in 'PARAMETERS', 'EXAMPLES', 'INPUTS', 'OUTPUTS') {
            & $flush; $sub = $Matches[1].Trim(); continue
        }
        if (-not $inFence -and $line -match '^# ') { continue }
        if ($section) { $buffer.Add($line) }
    }
    & $flush
    return $doc
}

function Get-Paragraphs([string] $text) {
    if (-not $text) { return @() }
    return @($text -split "`n\s*`n" | ForEach-Object { ($_ -replace '\s*\n\s*', ' ').Trim() } | Where-Object { $_ })
}

function Write-Paras([System.Xml.XmlWriter] $w, [string] $text) {
    foreach ($p in Get-Paragraphs $text) { $w.WriteElementString('maml', 'para', $ns.maml, $p) }
}

$ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}

Import-Module $ModulePath -Force
$module = Get-Module KForensics
$commands = @(Get-Command -Module KForensics -CommandType Cmdlet | Sort-Object Name)
$problems = [System.Collections.Generic.List[string]]::new()

New-Item -ItemType Directory -Force -Path $OutputDirectory | Out-Null
$settings = [System.Xml.XmlWriterSettings]::new(); $settings.Indent = $true; $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$w = [System.Xml.XmlWriter]::Create((Join-Path $OutputDirectory 'KForensics.dll-Help.xml'), $settings)
$w.WriteStartDocument()
$w.WriteStartElement('helpItems'); $w.WriteAttributeString('schema', 'maml')
$w.WriteAttributeString('xmlns', 'maml', $null, $ns.maml)
$w.WriteAttributeString('xmlns', 'command', $null, $ns.command)
$w.WriteAttributeString('xmlns', 'dev', $null, $ns.dev)

foreach ($cmd in $commands) {
    $file = Join-Path $SourceDirectory "$($cmd.Name).md"
    if (-not (Test-Path $file)) { $problems.Add("$($cmd.Name): no help file $file"); continue }
    $doc = Read-HelpMarkdown $file
    if (-not $doc.Sections['SYNOPSIS']) { $problems.Add("$($cmd.Name): no SYNOPSIS") }
    if (-not $doc.Sections['DESCRIPTION']) { $problems.Add("$($cmd.Name): no DESCRIPTION") }
    if ($doc.Examples.Count -eq 0) { $problems.Add("$($cmd.Name): no example") }
    $parameters = @($cmd.Parameters.Values | Where-Object { $_.Name -notin $commonParameters } | Sort-Object Name)
    foreach ($p in $parameters) {
        if (-not $doc.Parameters[$p.Name]) { $problems.Add("$($cmd.Name): parameter -$($p.Name) is not described") }
    }
    foreach ($documented in $doc.Parameters.Keys) {
        if ($documented -notin $parameters.Name) { $problems.Add("$($cmd.Name): help describes -$documented, which the cmdlet does not have") }
    }

    $verb, $noun = $cmd.Name -split '-', 2
    $w.WriteStartElement('command', 'command', $ns.command)
    $w.WriteStartElement('command', 'details', $ns.command)
    $w.WriteElementString('command', 'name', $ns.command, $cmd.Name)
    $w.WriteStartElement('maml', 'description', $ns.maml); Write-Paras $w $doc.Sections['SYNOPSIS']; $w.WriteEndElement()
    $w.WriteElementString('command', 'verb', $ns.command, $verb)
    $w.WriteElementString('command', 'noun', $ns.command, $noun)
    $w.WriteEndElement() # details
    $w.WriteStartElement('maml', 'description', $ns.maml); Write-Paras $w $doc.Sections['DESCRIPTION']; $w.WriteEndElement()

    $writeParameter = {
        param($p, $set)
        $attr = if ($set) { $set } else { $p.ParameterSets.Values | Select-Object -First 1 }
        $pipeline = @()
        if ($attr.ValueFromPipeline) { $pipeline += 'ByValue' }
        if ($attr.ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
        $w.WriteStartElement('command', 'parameter', $ns.command)
        $w.WriteAttributeString('required', $attr.IsMandatory.ToString().ToLowerInvariant())
        $w.WriteAttributeString('variableLength', 'true')
        # Wildcards are a fact of the parameter ([SupportsWildcards] on the cmdlet), not of its name.
        $globbing = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count -gt 0
        $w.WriteAttributeString('globbing', $globbing.ToString().ToLowerInvariant())
        $w.WriteAttributeString('pipelineInput', $(if ($pipeline) { 'True (' + ($pipeline -join ', ') + ')' } else { 'False' }))
        $w.WriteAttributeString('position', $(if ($attr.Position -ge 0) { [string]($attr.Position + 1) } else { 'named' }))
        $w.WriteAttributeString('aliases', $(if ($p.Aliases.Count) { $p.Aliases -join ', ' } else { 'none' }))
        $w.WriteElementString('maml', 'name', $ns.maml, $p.Name)
        $w.WriteStartElement('maml', 'description', $ns.maml); Write-Paras $w $doc.Parameters[$p.Name]; $w.WriteEndElement()
        $w.WriteStartElement('command', 'parameterValue', $ns.command)
        $w.WriteAttributeString('required', ($p.ParameterType -ne [System.Management.Automation.SwitchParameter]).ToString().ToLowerInvariant())
        $w.WriteAttributeString('variableLength', 'false')
        $w.WriteString($p.ParameterType.Name)
        $w.WriteEndElement()
        $w.WriteStartElement('dev', 'type', $ns.dev); $w.WriteElementString('maml', 'name', $ns.maml, $p.ParameterType.FullName); $w.WriteEndElement()
        $w.WriteEndElement()
    }

    $w.WriteStartElement('command', 'syntax', $ns.command)
    foreach ($set in $cmd.ParameterSets) {
        $w.WriteStartElement('command', 'syntaxItem', $ns.command)
        $w.WriteElementString('maml', 'name', $ns.maml, $cmd.Name)
        $ordered = $set.Parameters | Where-Object { $_.Name -notin $commonParameters } |
            Sort-Object @{ Expression = { if ($_.Position -ge 0) { $_.Position } else { 1000 } } }, Name
        foreach ($sp in $ordered) {
            & $writeParameter $cmd.Parameters[$sp.Name] ([pscustomobject]@{
                IsMandatory = $sp.IsMandatory; Position = $sp.Position
                ValueFromPipeline = $sp.ValueFromPipeline; ValueFromPipelineByPropertyName = $sp.ValueFromPipelineByPropertyName })
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement() # syntax

    $w.WriteStartElement('command', 'parameters', $ns.command)
    foreach ($p in $parameters) {
        $first = $p.ParameterSets.Values | Select-Object -First 1
        & $writeParameter $p ([pscustomobject]@{
            IsMandatory = @($p.ParameterSets.Values | Where-Object IsMandatory).Count -gt 0
            Position = $first.Position
            ValueFromPipeline = @($p.ParameterSets.Values | Where-Object ValueFromPipeline).Count -gt 0
            ValueFromPipelineByPropertyName = @($p.ParameterSets.Values | Where-Object ValueFromPipelineByPropertyName).Count -gt 0 })
    }
    $w.WriteEndElement()

    foreach ($kind in 'inputTypes', 'returnValues') {
        $entries = if ($kind -eq 'inputTypes') { $doc.Inputs } else { $doc.Outputs }
        $w.WriteStartElement('command', $kind, $ns.command)
        foreach ($name in $entries.Keys) {
            $w.WriteStartElement('command', $(if ($kind -eq 'inputTypes') { 'inputType' } else { 'returnValue' }), $ns.command)
            $w.WriteStartElement('dev', 'type', $ns.dev); $w.WriteElementString('maml', 'name', $ns.maml, $name); $w.WriteEndElement()
            $w.WriteStartElement('maml', 'description', $ns.maml); Write-Paras $w $entries[$name]; $w.WriteEndElement()
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }

    $w.WriteStartElement('maml', 'alertSet', $ns.maml)
    $w.WriteStartElement('maml', 'alert', $ns.maml); Write-Paras $w $doc.Sections['NOTES']; $w.WriteEndElement()
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'examples', $ns.command)
    foreach ($ex in $doc.Examples) {
        $w.WriteStartElement('command', 'example', $ns.command)
        $w.WriteElementString('maml', 'title', $ns.maml, "-------------------------- $($ex.Title) --------------------------")
        $w.WriteElementString('dev', 'code', $ns.dev, $ex.Code)
        $w.WriteStartElement('dev', 'remarks', $ns.dev); Write-Paras $w $ex.Remarks; $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $ns.command)
    foreach ($line in (($doc.Sections['RELATED LINKS'] ?? '') -split "`n")) {
        if ($line -match '^\s*[-*]?\s*\[?([^\]]+?)\]?(\((.+)\))?\s*$' -and $Matches[1]) {
            $w.WriteStartElement('maml', 'navigationLink', $ns.maml)
            $w.WriteElementString('maml', 'linkText', $ns.maml, $Matches[1].Trim())
            $w.WriteElementString('maml', 'uri', $ns.maml, $(if ($Matches[3]) { $Matches[3] } else { '' }))
            $w.WriteEndElement()
        }
    }
    $w.WriteEndElement()
    $w.WriteEndElement() # command
}
$w.WriteEndElement(); $w.WriteEndDocument(); $w.Dispose()

foreach ($about in Get-ChildItem $SourceDirectory -Filter 'about_*.md') {
    $text = [System.IO.File]::ReadAllText($about.FullName) -replace '(?m)^#+ ', '' -replace '(?m)^```\w*\s*$', ''
    [System.IO.File]::WriteAllText((Join-Path $OutputDirectory ($about.BaseName + '.help.txt')), $text)
}

if ($problems.Count) {
    throw ("Help is incomplete:`n  " + ($problems -join "`n  "))
}
"Compiled help for $($commands.Count) cmdlets."
