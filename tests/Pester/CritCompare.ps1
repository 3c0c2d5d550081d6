# Compares Get-CheckpointImage's decoding of one CRIU image with `crit decode --pretty`, entry by entry
# and field by field. Dot-sourced by CheckpointImage.Tests.ps1.
#
# crit (pycriu's pb2dict, pretty mode) renders a field by CRIU's custom options, which our .proto files do
# not carry; our side is protobuf-JSON (64-bit integers as strings, enums as names, bytes as base64). Both
# sides are brought to one form: integers as BigInteger, bytes as byte arrays, strings, booleans, lists,
# objects. How a string of crit's is read is decided by what crit printed (a 0x literal, flag names, a
# "major:minor" pair, an IP address, a name of pb2dict's value tables) and by the field's name, never by
# expected values. The tables below are the facts of pycriu's pb2dict.py (CRIU 4.2).

# (criu).flags: pb2dict's flags_maps (mmap.prot, mmap.flags, mmap.status, rfile.flags, seals.flags,
# pmap.flags). Every name is unique across the tables, so crit's names alone give the numeric OR.
$script:KfCritFlagValues = @{
    PROT_READ = 0x1; PROT_WRITE = 0x2; PROT_EXEC = 0x4
    MAP_SHARED = 0x1; MAP_PRIVATE = 0x2; MAP_DROPPABLE = 0x08; MAP_ANON = 0x20; MAP_GROWSDOWN = 0x0100
    VMA_AREA_NONE = 0; VMA_AREA_REGULAR = 1 -shl 0; VMA_AREA_STACK = 1 -shl 1; VMA_AREA_VSYSCALL = 1 -shl 2; VMA_AREA_VDSO = 1 -shl 3
    VMA_AREA_HEAP = 1 -shl 5; VMA_FILE_PRIVATE = 1 -shl 6; VMA_FILE_SHARED = 1 -shl 7; VMA_ANON_SHARED = 1 -shl 8
    VMA_ANON_PRIVATE = 1 -shl 9; VMA_AREA_SYSVIPC = 1 -shl 10; VMA_AREA_SOCKET = 1 -shl 11; VMA_AREA_VVAR = 1 -shl 12
    VMA_AREA_AIORING = 1 -shl 13; VMA_AREA_MEMFD = 1 -shl 14; VMA_AREA_SHSTK = 1 -shl 15; VMA_AREA_UPROBES = 1 -shl 17
    VMA_UNSUPP = [long]1 -shl 31
    O_WRONLY = 0x1; O_RDWR = 0x2; O_CREAT = 0x40; O_EXCL = 0x80; O_NOCTTY = 0x100; O_TRUNC = 0x200; O_APPEND = 0x400
    O_NONBLOCK = 0x800; O_DSYNC = 0x1000; FASYNC = 0x2000; O_DIRECT = 0x4000; O_LARGEFILE = 0x8000; O_DIRECTORY = 0x10000
    O_NOFOLLOW = 0x20000; O_NOATIME = 0x40000; O_CLOEXEC = 0x80000
    F_SEAL_SEAL = 0x1; F_SEAL_SHRINK = 0x2; F_SEAL_GROW = 0x4; F_SEAL_WRITE = 0x8; F_SEAL_FUTURE_WRITE = 0x10
    PE_PARENT = 1 -shl 0; PE_LAZY = 1 -shl 1; PE_PRESENT = 1 -shl 2
}

# (criu).dict: pb2dict's gen_maps and sk_maps, by the field name crit prints the value under.
$script:KfCritDictValues = @{
    task_state = @{ Alive = 1; Zombie = 3; Stopped = 6 }
    family     = @{ UNIX = 1; INET = 2; INET6 = 10; NETLINK = 16; PACKET = 17 }
    type       = @{ STREAM = 1; DGRAM = 2; RAW = 3; SEQPACKET = 5; PACKET = 10 }
    state      = @{ ESTABLISHED = 1; SYN_SENT = 2; SYN_RECV = 3; FIN_WAIT1 = 4; FIN_WAIT2 = 5; TIME_WAIT = 6; CLOSE = 7; CLOSE_WAIT = 8; LAST_ACK = 9; LISTEN = 10 }
    proto      = @{ IP = 0; TCP = 6; UDP = 17; UDPLITE = 136 }
}

# (criu).odev: the "major:minor" of these fields is glibc's makedev, not the kernel's (major << 20 | minor).
# Keyed by our message type and the field's path in it.
$script:KfCritOldDevFields = @('GhostFileEntry.rdev', 'IrmapCacheEntry.dev')

# (criu).conv = unix_name: crit prints this bytes field quoted-printable instead of base64 (unix_sk_entry.name).
$script:KfCritQuotedPrintableFields = @('name')

$script:KfInvariant = [System.Globalization.CultureInfo]::InvariantCulture

function ConvertTo-KfBigInteger([string] $Text) {
    # A decimal integer as BigInteger; $null when the text is not one.
    $value = [System.Numerics.BigInteger]::Zero
    if ($Text -match '^-?[0-9]+$' -and [System.Numerics.BigInteger]::TryParse($Text, [System.Globalization.NumberStyles]::AllowLeadingSign, $script:KfInvariant, [ref]$value)) {
        return $value
    }
    return $null
}

function ConvertFrom-KfHex([string] $Text) {
    # pb2dict's "0x%x" (a negative number prints as -0x...): BigInteger, or $null.
    if ($Text -notmatch '^(-?)0x([0-9a-fA-F]+)$') { return $null }
    $value = [System.Numerics.BigInteger]::Parse('0' + $Matches[2], [System.Globalization.NumberStyles]::AllowHexSpecifier, $script:KfInvariant)
    if ($Matches[1]) { $value = -$value }
    return $value
}

function ConvertFrom-KfCritNumberText {
    <#
    A string crit printed for an integer field, as BigInteger: a 0x literal ((criu).hex, or flags without
    a table), flag names joined by " | " ((criu).flags; "" is no flag set), "major:minor" ((criu).dev),
    a name of pb2dict's dict tables ((criu).dict, by -FieldName) or a decimal. $null when it is none of them.
    #>
    param([string] $Text, [string] $FieldName, [bool] $OldDev)
    $hex = ConvertFrom-KfHex $Text
    if ($null -ne $hex) { return $hex }
    $decimal = ConvertTo-KfBigInteger $Text
    if ($null -ne $decimal) { return $decimal }
    if ($Text -match '^([0-9]+):([0-9]+)$') {
        $major = [System.Numerics.BigInteger]::Parse($Matches[1], $script:KfInvariant)
        $minor = [System.Numerics.BigInteger]::Parse($Matches[2], $script:KfInvariant)
        if ($OldDev) {
            # glibc's makedev (os.makedev)
            return (($major -band 0xfff) -shl 8) -bor (($major -band (-bnot [System.Numerics.BigInteger]0xfff)) -shl 32) -bor
            ($minor -band 0xff) -bor (($minor -band (-bnot [System.Numerics.BigInteger]0xff)) -shl 12)
        }
        return ($major -shl 20) -bor $minor
    }
    if ($FieldName -and $script:KfCritDictValues.ContainsKey($FieldName) -and $script:KfCritDictValues[$FieldName].ContainsKey($Text)) {
        return [System.Numerics.BigInteger]$script:KfCritDictValues[$FieldName][$Text]
    }
    if ($Text -eq '') { return [System.Numerics.BigInteger]::Zero }
    $sum = [System.Numerics.BigInteger]::Zero
    foreach ($part in $Text -split '\|') {
        $token = $part.Trim()
        if ($script:KfCritFlagValues.ContainsKey($token)) { $sum = $sum -bor [System.Numerics.BigInteger]$script:KfCritFlagValues[$token]; continue }
        $rest = ConvertFrom-KfHex $token
        if ($null -eq $rest) { return $null }
        $sum = $sum -bor $rest
    }
    return $sum
}

function ConvertFrom-KfBase64([string] $Text) {
    # crit's base64.encodebytes breaks lines every 76 characters; Convert ignores the white space.
    try { return , [Convert]::FromBase64String($Text) } catch { return $null }
}

function ConvertFrom-KfQuotedPrintable([string] $Text) {
    # quopri.decodestring: =XX is a byte, "=" at a line's end a soft break, anything else the character itself.
    $bytes = [System.Collections.Generic.List[byte]]::new()
    $data = [System.Text.Encoding]::UTF8.GetBytes($Text)
    for ($i = 0; $i -lt $data.Length; $i++) {
        if ($data[$i] -eq 0x3d) {
            if ($i + 1 -lt $data.Length -and $data[$i + 1] -eq 0x0a) { $i++; continue }
            if ($i + 2 -lt $data.Length -and $data[$i + 1] -eq 0x0d -and $data[$i + 2] -eq 0x0a) { $i += 2; continue }
            if ($i + 2 -lt $data.Length) {
                $hex = [System.Text.Encoding]::ASCII.GetString($data, $i + 1, 2)
                if ($hex -match '^[0-9A-Fa-f]{2}$') { $bytes.Add([Convert]::ToByte($hex, 16)); $i += 2; continue }
            }
        }
        $bytes.Add($data[$i])
    }
    return , $bytes.ToArray()
}

function ConvertFrom-KfCritAddress([string] $Text) {
    # (criu).ipadd: crit prints the repeated uint32 field as one address; the words hold the address's bytes
    # in network order (htonl), so on this little-endian machine each word is 4 address bytes read little-endian.
    $address = $null
    if (-not [System.Net.IPAddress]::TryParse($Text, [ref]$address)) { return $null }
    $bytes = $address.GetAddressBytes()
    $words = for ($i = 0; $i -lt $bytes.Length; $i += 4) { [System.Numerics.BigInteger][BitConverter]::ToUInt32($bytes, $i) }
    return , @($words)
}

function Format-KfValue($Value) {
    if ($null -eq $Value) { return '(absent)' }
    if ($Value -is [System.Text.Json.JsonElement]) {
        $text = $Value.GetRawText() -replace '\s+', ' '
        if ($text.Length -gt 200) { $text = $text.Substring(0, 200) + '...' }
        return $text
    }
    if ($Value -is [byte[]]) {
        $hex = [Convert]::ToHexString($Value)
        if ($hex.Length -gt 96) { $hex = $hex.Substring(0, 96) + '...' }
        return "$($Value.Length) bytes 0x$hex"
    }
    return "$Value"
}

function Test-KfBytesEqual([byte[]] $A, [byte[]] $B) {
    return $null -ne $A -and $null -ne $B -and [System.Linq.Enumerable]::SequenceEqual($A, $B)
}

function Get-KfOurNumber([System.Text.Json.JsonElement] $Element) {
    # Our integers: JSON numbers, or decimal strings for 64-bit ones (protobuf-JSON).
    switch ($Element.ValueKind) {
        'Number' {
            $raw = $Element.GetRawText()
            $n = ConvertTo-KfBigInteger $raw
            if ($null -ne $n) { return $n }
            return [decimal]::Parse($raw, [System.Globalization.NumberStyles]::Float, $script:KfInvariant)
        }
        'String' { return ConvertTo-KfBigInteger $Element.GetString() }
    }
    return $null
}

function Compare-KfCritValue {
    <#
    Adds to -Differences one line per field where our value (-Ours, a JsonElement or $null when absent)
    and crit's (-Crit) differ after normalisation. -Path is the field path ("core.tc.task_state",
    "vmas[3].start"), -TopType our message type (for the (criu).odev table).
    #>
    param($Ours, $Crit, [string] $Prefix, [string] $Path, [string] $FieldName, [string] $TopType, [System.Collections.Generic.List[string]] $Differences)
    $fail = { param([string] $Why) $Differences.Add("$Prefix ${Path}: ours=$(Format-KfValue $Ours) crit=$(Format-KfValue $Crit)$(if ($Why) { " ($Why)" })") }
    if ($null -eq $Ours -or $null -eq $Crit) { & $fail $(if ($null -eq $Ours) { 'missing in ours' } else { 'missing in crit' }); return }
    $relative = $Path -replace '\[\d+\]', ''
    switch ($Crit.ValueKind) {
        'Object' {
            if ($Ours.ValueKind -ne 'Object') { & $fail 'not a message in ours'; return }
            $ourFields = [ordered]@{}
            foreach ($p in $Ours.EnumerateObject()) { $ourFields[$p.Name] = $p.Value }
            $seen = [System.Collections.Generic.HashSet[string]]::new()
            foreach ($p in $Crit.EnumerateObject()) {
                [void]$seen.Add($p.Name)
                $mine = if ($ourFields.Contains($p.Name)) { $ourFields[$p.Name] } else { $null }
                Compare-KfCritValue -Ours $mine -Crit $p.Value -Prefix $Prefix -Path "$Path.$($p.Name)" -FieldName $p.Name -TopType $TopType -Differences $Differences
            }
            foreach ($name in $ourFields.Keys) {
                if (-not $seen.Contains($name)) { Compare-KfCritValue -Ours $ourFields[$name] -Crit $null -Prefix $Prefix -Path "$Path.$name" -FieldName $name -TopType $TopType -Differences $Differences }
            }
        }
        'Array' {
            if ($Ours.ValueKind -ne 'Array') { & $fail 'not a list in ours'; return }
            $mine = @($Ours.EnumerateArray())
            $theirs = @($Crit.EnumerateArray())
            # (criu).ipadd: one address string for the whole repeated field.
            if ($theirs.Count -eq 1 -and $theirs[0].ValueKind -eq 'String' -and $mine.Count -in 1, 4 -and $theirs[0].GetString() -match '^[0-9a-fA-F.:]+$' -and $theirs[0].GetString() -match '[.:]') {
                $words = ConvertFrom-KfCritAddress $theirs[0].GetString()
                $ourWords = @($mine | ForEach-Object { Get-KfOurNumber $_ })
                if ($null -ne $words -and $words.Count -eq $mine.Count -and $ourWords -notcontains $null) {
                    for ($i = 0; $i -lt $words.Count; $i++) { if ($words[$i] -ne $ourWords[$i]) { & $fail 'address differs'; return } }
                    return
                }
            }
            if ($mine.Count -ne $theirs.Count) { & $fail "ours has $($mine.Count) items, crit $($theirs.Count)"; return }
            for ($i = 0; $i -lt $mine.Count; $i++) {
                Compare-KfCritValue -Ours $mine[$i] -Crit $theirs[$i] -Prefix $Prefix -Path "$Path[$i]" -FieldName $FieldName -TopType $TopType -Differences $Differences
            }
        }
        'Number' {
            $a = Get-KfOurNumber $Ours
            $b = Get-KfOurNumber $Crit
            if ($null -eq $a -or $a -ne $b) { & $fail '' }
        }
        { $_ -eq 'True' -or $_ -eq 'False' } {
            if ($Ours.ValueKind -ne $Crit.ValueKind) { & $fail '' }
        }
        'Null' {
            # pb2dict prints an enum value its descriptor lacks as null.
            if ($Ours.ValueKind -ne 'Null') { & $fail 'crit has no name for this enum value' }
        }
        'String' {
            $text = $Crit.GetString()
            if ($Ours.ValueKind -eq 'String' -and $Ours.GetString() -ceq $text) { return }
            $ourNumber = Get-KfOurNumber $Ours
            if ($null -ne $ourNumber) {
                $oldDev = $script:KfCritOldDevFields -contains "$TopType.$relative"
                $value = ConvertFrom-KfCritNumberText -Text $text -FieldName $FieldName -OldDev $oldDev
                if ($null -eq $value) { & $fail 'crit''s text is no number, flag set, device or known name' }
                elseif ($value -ne $ourNumber) { & $fail "as numbers: ours=$ourNumber crit=$value" }
                return
            }
            if ($Ours.ValueKind -ne 'String') { & $fail ''; return }
            # bytes: base64 on both sides (crit's with line breaks), or quoted-printable for (criu).conv = unix_name.
            $ourBytes = ConvertFrom-KfBase64 $Ours.GetString()
            if ($null -ne $ourBytes) {
                if (Test-KfBytesEqual $ourBytes (ConvertFrom-KfBase64 $text)) { return }
                if ($script:KfCritQuotedPrintableFields -contains $FieldName -and (Test-KfBytesEqual $ourBytes (ConvertFrom-KfQuotedPrintable $text))) { return }
            }
            & $fail ''
        }
        default { & $fail "unexpected JSON kind $($Crit.ValueKind)" }
    }
}

function ConvertFrom-KfCritExtra {
    <#
    crit's "extra" of an entry as the bytes our Payload holds, by the shape crit printed it in: base64
    (pipe and FIFO data, socket queues, ghost files, shared memory, BPF maps), {inq, outq} (TCP queues,
    in that order in the image), a list of numbers (semaphores, u16 each) or a list of ipc_msg headers
    each followed by its data (message queues). Returns Bytes and Note (what crit shows that bytes cannot).
    #>
    param([System.Text.Json.JsonElement] $Extra)
    $all = [System.IO.MemoryStream]::new()
    $note = $null
    switch ($Extra.ValueKind) {
        'String' { $b = ConvertFrom-KfBase64 $Extra.GetString(); if ($null -eq $b) { return $null }; $all.Write($b, 0, $b.Length) }
        'Object' {
            $queues = @{}
            foreach ($p in $Extra.EnumerateObject()) { $queues[$p.Name] = $p.Value }
            if ($queues.Count -ne 2 -or -not $queues.ContainsKey('inq') -or -not $queues.ContainsKey('outq')) { return $null }
            foreach ($queue in 'inq', 'outq') {
                $b = ConvertFrom-KfBase64 $queues[$queue].GetString()
                if ($null -eq $b) { return $null }
                $all.Write($b, 0, $b.Length)
            }
        }
        'Array' {
            $items = @($Extra.EnumerateArray())
            if ($items.Count -gt 0 -and @($items | Where-Object ValueKind -ne 'Number').Count -eq 0) {
                foreach ($n in $items) { $b = [BitConverter]::GetBytes([uint16]$n.GetInt32()); $all.Write($b, 0, 2) }
            } else {
                $headers = [System.Collections.Generic.List[string]]::new()
                foreach ($item in $items) {
                    if ($item.ValueKind -eq 'Object') { $headers.Add(($item.GetRawText() -replace '\s+', '')); continue }
                    $b = ConvertFrom-KfBase64 $item.GetString()
                    $all.Write($b, 0, $b.Length)
                }
                if ($headers.Count) { $note = "ipc_msg headers $($headers -join ', ')" }
            }
        }
        default { return $null }
    }
    return [pscustomobject]@{ Bytes = $all.ToArray(); Note = $note }
}

function Compare-KfCritImage {
    <#
    Every difference between one image as Get-CheckpointImage -IncludePayload decoded it (-Image) and
    crit decode --pretty's JSON text of the same file (-CritJson), one line each naming the image, the
    entry, the field path and both values. Empty when they agree.
    #>
    param([Parameter(Mandatory)] $Image, [Parameter(Mandatory)] [string] $CritJson)
    $differences = [System.Collections.Generic.List[string]]::new()
    $options = [System.Text.Json.JsonDocumentOptions]@{ MaxDepth = 256 }
    $document = [System.Text.Json.JsonDocument]::Parse($CritJson, $options)
    try {
        $root = $document.RootElement
        $magic = $root.GetProperty('magic').GetString()
        if ($Image.MagicName -cne $magic) { $differences.Add("$($Image.Name): magic ours=$($Image.MagicName) crit=$magic") }
        $critEntries = @($root.GetProperty('entries').EnumerateArray())
        $ours = @($Image.Entries)
        if ($ours.Count -ne $critEntries.Count) {
            $differences.Add("$($Image.Name): ours has $($ours.Count) entries ($(($ours | ForEach-Object Type) -join ', ')), crit $($critEntries.Count)")
        }
        for ($i = 0; $i -lt [Math]::Min($ours.Count, $critEntries.Count); $i++) {
            $entry = $ours[$i]
            $prefix = "$($Image.Name) entry [$i] ($($entry.Type) at offset $($entry.Offset))"
            $ourDocument = [System.Text.Json.JsonDocument]::Parse($entry.Json, $options)
            try {
                $critFields = [ordered]@{}
                $extra = $null
                foreach ($p in $critEntries[$i].EnumerateObject()) { if ($p.Name -ceq 'extra') { $extra = $p.Value } else { $critFields[$p.Name] = $p.Value } }
                $ourFields = [ordered]@{}
                foreach ($p in $ourDocument.RootElement.EnumerateObject()) { $ourFields[$p.Name] = $p.Value }
                foreach ($name in @($critFields.Keys) + @($ourFields.Keys | Where-Object { -not $critFields.Contains($_) })) {
                    $mine = if ($ourFields.Contains($name)) { $ourFields[$name] } else { $null }
                    $theirs = if ($critFields.Contains($name)) { $critFields[$name] } else { $null }
                    Compare-KfCritValue -Ours $mine -Crit $theirs -Prefix $prefix -Path $name -FieldName $name -TopType $entry.Type -Differences $differences
                }
                # The payload after the entry: crit's "extra" against our Payload.
                $payload = $entry.Payload
                if ($null -eq $extra) {
                    if ($entry.PayloadLength -gt 0) { $differences.Add("$prefix extra: ours=$(Format-KfValue $payload) crit=(absent)") }
                } else {
                    $theirs = ConvertFrom-KfCritExtra $extra
                    if ($null -eq $theirs) { $differences.Add("$prefix extra: crit's extra has an unknown shape: $(Format-KfValue $extra)") }
                    elseif ($null -eq $payload -and $theirs.Bytes.Length -gt 0 -or $null -ne $payload -and -not (Test-KfBytesEqual ([byte[]]$payload) $theirs.Bytes)) {
                        $differences.Add("$prefix extra: ours=$(Format-KfValue $payload) crit=$(Format-KfValue $theirs.Bytes)")
                    }
                    if ($null -ne $theirs -and $theirs.Note) { $differences.Add("$prefix extra: crit shows $($theirs.Note), which our Payload does not hold") }
                }
            } finally { $ourDocument.Dispose() }
        }
    } finally { $document.Dispose() }
    return $differences.ToArray()
}
