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

Describe 'The module layout' {
    It 'ships no test captures: the path-traversal scenario and the hostile capture stay in test support' {
        @(Get-ChildItem -LiteralPath $modulePath -Recurse -File | Where-Object Name -like 'KForensics.TestCaptures*').Count | Should -Be 0
        $context = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'KForensics.Dependencies' | Select-Object -First 1
        $context | Should -Not -BeNullOrEmpty -Because 'the engine loads into the module''s private context'
        $core = $context.LoadFromAssemblyName([System.Reflection.AssemblyName]::new('KForensics.Core'))
        $names = @($core.GetTypes() | ForEach-Object Name)
        $names | Should -Contain 'ScapWriter'
        $names | Should -Not -Contain 'PathTraversalScenario'
        $names | Should -Not -Contain 'HostileCapture'
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

Describe 'About topics' {
    It 'has about_KForensics (the jobs and how the objects chain) and about_KForensics_Filter' {
        foreach ($topic in 'about_KForensics', 'about_KForensics_Filter') {
            $file = Join-Path $modulePath "en-US/$topic.help.txt"
            Test-Path $file | Should -BeTrue -Because "$topic ships with the module"
            (Get-Content -Raw $file) | Should -Match 'SHORT DESCRIPTION'
        }
        (Get-Content -Raw (Join-Path $modulePath 'en-US/about_KForensics_Filter.help.txt')) | Should -Match 'sysdig 0\.29\.3'
    }

    It '<Name> links about_KForensics_Filter when it takes -Filter' -ForEach ($cmdlets | Where-Object { (Get-Command $_.Name).Parameters.ContainsKey('Filter') }) -AllowNullOrEmptyForEach {
        $links = @((Get-Help $Name -Full).relatedLinks.navigationLink.linkText)
        $links | Should -Contain 'about_KForensics_Filter'
    }
}

Describe 'Views' {
    It '<Name> has a format view for every type it outputs' -ForEach $cmdlets -AllowNullOrEmptyForEach {
        $views = @(([xml](Get-Content -Raw (Join-Path $modulePath 'KForensics.Format.ps1xml'))).Configuration.ViewDefinitions.View.ViewSelectedBy.TypeName)
        foreach ($t in (Get-Command $Name).OutputType.Type | Where-Object { $_ -and $_.Namespace -notlike 'System*' }) {
            $views | Should -Contain $t.FullName -Because "$Name writes $($t.FullName)"
        }
    }
}

Describe 'Dependency isolation' {
    It 'loads Core and every third-party assembly into its private load context' {
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$modulePath'
Get-ScapField -Name evt.num | Out-Null
`$private = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'KForensics.Dependencies'
if (-not `$private) { throw 'no private load context' }
`$default = [System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | ForEach-Object { `$_.GetName().Name }
if (`$default -contains 'KForensics.Core') { throw 'KForensics.Core leaked into the default context' }
(`$private.Assemblies | ForEach-Object { `$_.GetName().Name } | Sort-Object) -join ','
"@
        $result = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0
        ($result | Select-Object -Last 1) -split ',' | Should -Contain 'KForensics.Core'
    }
}
