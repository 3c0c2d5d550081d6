using System.Security.Cryptography;
using System.Text;

namespace KForensics.Core.Report;

/// <summary>
/// The page's only style sheet and script, inline. The page's content security policy admits exactly
/// these two by hash and nothing from anywhere else, so even a string that escaped encoding could neither
/// run nor fetch anything.
/// </summary>
internal static class ReportAssets
{
    public const string Css = """

:root{--fg:#1d232b;--muted:#5b6573;--line:#d6dbe1;--zebra:#f4f6f8;--accent:#1f5fa8;--bar:#3f7fc4;--cmd:#c0392b;--open:#d68910;--conn:#1e8449}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1480px;padding:16px 24px 48px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:#fff}
h1{font-size:24px;margin:8px 0 4px}
h2{font-size:19px;margin:32px 0 6px;padding-top:8px;border-top:2px solid var(--line)}
h3{font-size:15px;margin:18px 0 6px}
code,.mono,td{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
.meta,.desc,.note{color:var(--muted);margin:4px 0}
.note{font-style:italic}
.damage{color:#a93226;font-weight:600}
nav{margin:10px 0 0}nav a{margin-right:14px;color:var(--accent);text-decoration:none}nav a:hover{text-decoration:underline}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:6px 0}
th,td{border:1px solid var(--line);padding:3px 7px;vertical-align:top;text-align:left}
td{white-space:pre-wrap;overflow-wrap:break-word}
th{background:#e9edf2;font-weight:600;white-space:nowrap;position:sticky;top:0}
tbody tr:nth-child(even){background:var(--zebra)}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.kv th[scope=row]{background:var(--zebra)}
.count{color:var(--muted);font-weight:400;font-size:14px}
.js table.rows th{cursor:pointer}
.js table.rows th[aria-sort=ascending]::after{content:" \25B2"}
.js table.rows th[aria-sort=descending]::after{content:" \25BC"}
svg.timeline{display:block;max-width:100%;height:auto;font:12px system-ui,sans-serif}
svg .lane-bg{fill:#f7f9fb}
svg .bar{fill:var(--bar)}
svg .cmd{fill:var(--cmd)}
svg .open{fill:var(--open)}
svg .conn{fill:var(--conn)}
svg .label{font-weight:600;fill:var(--fg)}
svg .sub,svg .caption{fill:var(--muted);font-size:11px}
svg .axis line{stroke:#8894a3}
svg .axis line.tick{stroke:#c3cad3;stroke-dasharray:2 3}
svg .axis text{fill:var(--muted);font-size:11px;text-anchor:middle}
svg .axis text.caption{text-anchor:start}
svg .legend text{fill:var(--muted);font-size:11px}
@media print{nav{display:none}th{position:static}.scroll{overflow:visible}}

""";

    /// <summary>Click (or Enter on) a column header to sort its table; the page reads the same without it.</summary>
    public const string Script = """

(function () {
  'use strict';
  document.documentElement.classList.add('js');
  var integer = /^-?\d+$/;
  function key(cell) { return cell ? cell.getAttribute('data-v') : null; }
  function compare(a, b) {
    var x = key(a), y = key(b);
    if (x !== null && y !== null) {
      if (integer.test(x) && integer.test(y)) { var bx = BigInt(x), by = BigInt(y); return bx < by ? -1 : bx > by ? 1 : 0; }
      return parseFloat(x) - parseFloat(y);
    }
    if (x !== null || y !== null) { return x === null ? -1 : 1; }
    return (a ? a.textContent : '').localeCompare(b ? b.textContent : '');
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.rows'), function (table) {
    if (!table.tHead || !table.tBodies.length) { return; }
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, index) {
      th.tabIndex = 0;
      function sort() {
        var direction = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', direction === 1 ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r, s) { return direction * compare(r.cells[index], s.cells[index]); });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter') { sort(); } });
    });
  });
})();

""";

    /// <summary>The content security policy: nothing but this style sheet and this script, no network at all.</summary>
    public static string ContentSecurityPolicy { get; } =
        $"default-src 'none'; style-src '{Hash(Css)}'; script-src '{Hash(Script)}'; base-uri 'none'; form-action 'none'";

    private static string Hash(string text) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
