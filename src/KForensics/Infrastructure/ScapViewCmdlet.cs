using System.Management.Automation;
using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.Format;

namespace KForensics.Infrastructure;

/// <summary>
/// The shared shape of the capture views (Get-ScapSummary, Get-ScapContainer, Get-ScapCommand,
/// Get-ScapProcess, Get-ScapConnection, Get-ScapFileAccess): one set of rows per capture, emitted when
/// the capture is read.
/// Not generic over the row type: PowerShell loads the cmdlet types before KForensics.Core can be
/// resolved, so no Core type may appear in a cmdlet's base-type chain.
/// </summary>
public abstract class ScapViewCmdlet : ScapInputCmdlet
{
    /// <summary>A fresh view for one capture.</summary>
    private protected abstract Core.Analysis.ScapView CreateView(Func<ScapFilterContext, bool>? filter);

    /// <summary>A second view read in the same pass (the alerts of -Rule), or null.</summary>
    private protected virtual Core.Analysis.ScapView? CreateCompanion(string file, Func<ScapFilterContext, bool>? filter) => null;

    /// <summary>A row of the view completed with what the companion saw.</summary>
    private protected virtual object CompleteRow(object row, Core.Analysis.ScapView companion) => row;

    private protected sealed override void ReadCapture(string file, Func<ScapFilterContext, bool>? filter, CaptureOutput output)
    {
        Core.Analysis.ScapView aggregator = CreateView(filter);
        Core.Analysis.ScapView? companion = CreateCompanion(file, filter);
        ScapFormatException? damage = null;
        var progress = new ReadProgress(output.Progress, MyInvocation.MyCommand.Name, file);
        try
        {
            Core.Analysis.ScapView.ReadAll(file, companion is null ? [aggregator] : [aggregator, companion], progress, CancellationToken);
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (ScapFormatException ex)
        {
            damage = ex;
        }
        catch (Exception ex) when (ScapErrors.IsReadFailure(ex))
        {
            // The file itself could not be read: no rows of a partial read, only the error.
            output.Error(ScapErrors.ReadFailed(file, ex, ErrorIds.ScapReadFailed));
            return;
        }
        finally
        {
            progress.Complete();
        }

        // A damaged capture still yields the rows of the events before the damage, then the error.
        foreach (object row in aggregator.RowObjects(file))
        {
            output.Object(companion is null ? row : CompleteRow(row, companion));
        }

        if (damage is not null)
        {
            output.Error(ScapErrors.ToErrorRecord(damage, "The rows count the events before the damaged block; the rest of the file cannot be read."));
        }
    }
}
