BeforeDiscovery {
    Import-Module $env:KF_MODULE_PATH -Force
    $cmdlets = @(Get-Command -Module KForensics -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    $modulePath = $env:KF_MODULE_PATH
    Import-Module $modulePath -Force
    $commonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
}

Describe 'The module manifest' {
    It 'declares Core edition, PowerShell 7.4 and a stamped version' {
        $m = Test-ModuleManifest (Join-Path $modulePath 'KForensics.psd1')
        $m.CompatiblePSEditions | Should -Be @('Core')
        $m.PowerShellVersion | Should -Be ([version]'7.4')
        $m.Version | Should -Not -Be ([version]'0.0.0')
    }

    It 'exports exactly the cmdlets the assembly defines' {
        $m = Test-ModuleManifest (Join-Path $modulePath 'KForensics.psd1')
        $declared = @($m.ExportedCmdlets.Keys | Sort-Object)
        $defined = @([System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'KForensics' } |
            ForEach-Object { $_.GetExportedTypes() } |
            Where-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { $a = $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]; "$($a.VerbName)-$($a.NounName)" } |
            Sort-Object)
        $declared | Should -Be $defined
    }
}

Describe 'Help' {
    It '<Name> has a synopsis, a description, an example and every parameter described' -ForEach $cmdlets -AllowNullOrEmptyForEach {
        $help = Get-Help $Name -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match "^\s*$Name\s"
        ($help.description.Text -join '') | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterThan 0
        $params = (Get-Command $Name).Parameters.Values | Where-Object Name -notin $commonParameters
        foreach ($p in $params) {
            $ph = $help.parameters.parameter | Where-Object name -eq $p.Name
            ($ph.description.Text -join '') | Should -Not -BeNullOrEmpty -Because "-$($p.Name) of $Name needs a description"
        }
    }
}

Describe 'Dependency isolation' {
    It 'keeps its own dependencies out of the default load context' {
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$modulePath'
`$alc = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'KForensics.Dependencies'
if (-not `$alc) { throw 'no private load context' }
[KForensics.Core.Scap.EventTable]::Count | Out-Null
`$core = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext([KForensics.Core.Scap.EventTable].Assembly)
`$core.Name
"@
        $result = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0
        $result | Select-Object -Last 1 | Should -Be 'KForensics.Dependencies'
    }
}
