using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.State;

internal sealed partial class Inspector
{
    /// <summary>The flags sysdig 0.29.3 acts on: its own table's where it knows the event.</summary>
    internal static EventFlags FlagsOf(EventInfo info) => info.IsSysdigKnown ? info.SysdigFlags : info.Flags;

    /// <summary>After parsing: the thread, fd and container the fields of this event read (sinsp's filterchecks).</summary>
    private void Describe(in RawEvent ev, EventInfo info, int type)
    {
        ThreadInfo? t = Thread ?? Threads.Find(ev.ThreadId);
        Thread = t;
        if (t is null)
        {
            return;
        }

        _containerKnown = false;
        if ((FlagsOf(info) & (EventFlags.CreatesFd | EventFlags.UsesFd | EventFlags.DestroysFd)) == 0)
        {
            return;
        }

        FdInfo? fd = _evtFd ?? (t.LastEventFd != -1 ? Threads.GetFd(t, t.LastEventFd) : null);
        Fd = fd;
        if (fd is not null && !(type == Ppme.ConnectX && Params.I64(ev, 0) < 0))
        {
            FdName = fd.Name;
            return;
        }

        FdName = NameFromCreator(ev, t, type);
    }

    /// <summary>sinsp's extract_fdname_from_creator: a failed fd-creating exit still names what it tried.</summary>
    private string? NameFromCreator(in RawEvent ev, ThreadInfo t, int type)
    {
        if ((type & 1) == 0)
        {
            return null;
        }

        switch (type)
        {
            case Ppme.OpenX or Ppme.CreatX:
            {
                ReadOnlySpan<byte> p = Params.Get(ev, 1);
                string name = Params.CStr(p);
                return p.IsEmpty ? "" : name.Length > 0 && name[0] != '/' && name != "<NA>"
                    ? SinspPath.Concatenate(Threads.CwdOf(t), name) : name;
            }

            case Ppme.AcceptX or Ppme.Accept5X or Ppme.Accept4X or Ppme.Accept45X or Ppme.ConnectX:
                return SocketText.FormatTuple(Params.Get(ev, 1));
            case Ppme.OpenAtX:
                // sysdig 0.29.3 never names a failed old-style openat: its field extractor
                // cannot get the enter event back (observed on every such event of the corpus).
                return null;

            case Ppme.OpenAt2X or Ppme.OpenAt2NewX:
            {
                string? name = Params.Get(ev, 2).IsEmpty ? null : Params.Str(ev, 2);
                return SinspPath.Concatenate(ResolveDirFd(t, name, Params.I64(ev, 1)), name);
            }

            default:
                return "";
        }
    }
}
