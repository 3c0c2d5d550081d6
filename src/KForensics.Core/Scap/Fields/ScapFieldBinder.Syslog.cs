using KForensics.Core.Filtering;
using Ctx = KForensics.Core.Scap.Fields.ScapFilterContext;

namespace KForensics.Core.Scap.Fields;

public sealed partial class ScapFieldBinder
{
    // sysdig's syslog filtercheck: values only on the event whose write the decoder took apart.
    private static FieldAccessor<Ctx>? BindSyslog(FieldReference f) => f.Field.Name switch
    {
        "syslog.facility" => Num(f, c => c.State.Syslog?.Facility),
        "syslog.facility.str" => Str(f, c => c.State.Syslog?.FacilityName),
        "syslog.severity" => Num(f, c => c.State.Syslog?.Severity),
        "syslog.severity.str" => Str(f, c => c.State.Syslog?.SeverityName),
        "syslog.message" => Str(f, c => c.State.Syslog?.Message),
        _ => null,
    };
}
