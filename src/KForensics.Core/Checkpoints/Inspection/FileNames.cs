using System.Globalization;
using System.Text;
using KForensics.Core.Criu;
using KForensics.Core.Criu.Images;

namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>
/// Names of CRIU file objects as checkpointctl and crit print them: regular files by path, pipes as
/// pipe[INODE], unix sockets as unix[INODE (PEER) NAME], everything else as TYPE.ID.
/// </summary>
internal static class FileNames
{
    /// <summary>fd_types, by number (CRIU's fdinfo.proto).</summary>
    private static readonly string[] TypeNames =
    [
        "UND", "REG", "PIPE", "FIFO", "INETSK", "UNIXSK", "EVENTFD", "EVENTPOLL", "INOTIFY", "SIGNALFD", "PACKETSK",
        "TTY", "FANOTIFY", "NETLINKSK", "NS", "TUNF", "EXT", "TIMERFD", "MEMFD", "BPFMAP", "PIDFD",
    ];

    public static string TypeName(int type)
        => type >= 0 && type < TypeNames.Length ? TypeNames[type] : type.ToString(CultureInfo.InvariantCulture);

    public static string? PathOf(CriuImageSet images, uint fileId)
    {
        FileEntry? file = images.File(fileId);
        return file?.Reg?.Name is string name ? Absolute(name) : null;
    }

    /// <summary>checkpointctl's path of an open file.</summary>
    public static string Describe(FileEntry? file, int type, uint id)
    {
        switch (file)
        {
            case { Reg: not null }:
                return Absolute(file.Reg.Name);
            case { Pipe: not null }:
                return "pipe[" + file.Pipe.PipeId.ToString(CultureInfo.InvariantCulture) + "]";
            case { Usk: not null }:
                return string.Format(CultureInfo.InvariantCulture, "unix[{0} ({1}) {2}]", file.Usk.Ino, file.Usk.Peer, UnixName(file.Usk.Name.Span));
            default:
                return TypeName(type) + "." + id.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>A unix socket's name: abstract names (leading NUL) with '@' as ss and netstat show them.</summary>
    public static string UnixName(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty)
        {
            return string.Empty;
        }

        return name[0] == 0 ? "@" + Encoding.UTF8.GetString(name[1..]) : Encoding.UTF8.GetString(name).TrimEnd('\0');
    }

    /// <summary>
    /// CRIU stores names relative to the mount namespace's root without the leading '/', except for
    /// the root itself ("/"); checkpointctl prints them as stored, which tests account for.
    /// </summary>
    public static string Absolute(string name) => name.StartsWith('/') ? name : "/" + name;

    /// <summary>open(2) flags by name; the access mode always comes first.</summary>
    public static string OpenFlags(uint flags)
    {
        var parts = new List<string>
        {
            (flags & 3) switch { 0 => "O_RDONLY", 1 => "O_WRONLY", 2 => "O_RDWR", _ => "O_ACCMODE" },
        };
        (uint Bit, string Name)[] names =
        [
            (0x40, "O_CREAT"), (0x80, "O_EXCL"), (0x100, "O_NOCTTY"), (0x200, "O_TRUNC"), (0x400, "O_APPEND"), (0x800, "O_NONBLOCK"),
            (0x1000, "O_DSYNC"), (0x2000, "FASYNC"), (0x4000, "O_DIRECT"), (0x8000, "O_LARGEFILE"), (0x10000, "O_DIRECTORY"),
            (0x20000, "O_NOFOLLOW"), (0x40000, "O_NOATIME"), (0x80000, "O_CLOEXEC"), (0x101000, "O_SYNC"), (0x200000, "O_PATH"), (0x410000, "O_TMPFILE"),
        ];
        foreach ((uint bit, string name) in names)
        {
            if ((flags & bit) == bit && (bit != 0x1000 || (flags & 0x101000) != 0x101000))
            {
                parts.Add(name);
            }
        }

        return string.Join('|', parts.Distinct());
    }
}
