using System.Globalization;
using System.Text;

namespace KForensics.Core.Report;

/// <summary>Rows as HTML tables, with the columns their type's public properties give (<see cref="RowSchema"/>).</summary>
internal static class HtmlTables
{
    private const string SourceColumn = "Source";

    /// <summary>
    /// One table per row type (in order of first appearance), one column per property. The capture file
    /// (a Source property) is shown by name, and not at all when <paramref name="hideSource"/> (one capture).
    /// </summary>
    public static void Table(StringBuilder sb, IReadOnlyList<object> rows, string id, bool hideSource)
    {
        int part = 0;
        foreach (IGrouping<Type, object> group in rows.GroupBy(r => r.GetType()))
        {
            RowSchema schema = RowSchema.For(group.Key);
            int[] shown = Enumerable.Range(0, schema.Columns.Count).Where(i => !(hideSource && schema.Columns[i].Name == SourceColumn)).ToArray();
            List<ReportCell[]> cells = group.Select(r => SourceByName(schema, schema.Cells(r))).ToList();
            string tableId = part++ == 0 ? id : $"{id}-{part.ToString(CultureInfo.InvariantCulture)}";

            sb.Append("<div class=\"scroll\"><table class=\"rows\" id=\"").Append(tableId).Append("\" data-type=\"")
                .Append(HtmlText.Encode(group.Key.Name)).Append("\" data-rows=\"").Append(cells.Count.ToString(CultureInfo.InvariantCulture))
                .Append("\">\n<thead><tr>");
            foreach (int i in shown)
            {
                bool numeric = cells.Any(c => c[i].Numeric);
                sb.Append(numeric ? "<th scope=\"col\" class=\"n\">" : "<th scope=\"col\">").Append(HtmlText.Encode(schema.Columns[i].Name)).Append("</th>");
            }

            sb.Append("</tr></thead>\n<tbody>\n");
            foreach (ReportCell[] row in cells)
            {
                sb.Append("<tr>");
                foreach (int i in shown)
                {
                    Cell(sb, row[i]);
                }

                sb.Append("</tr>\n");
            }

            sb.Append("</tbody></table></div>\n");
        }
    }

    /// <summary>
    /// Summary objects side by side: one line per property, one column per object (headed by its capture
    /// when it has a Source property).
    /// </summary>
    public static void KeyValue(StringBuilder sb, IReadOnlyList<object> rows, string id)
    {
        int part = 0;
        foreach (IGrouping<Type, object> group in rows.GroupBy(r => r.GetType()))
        {
            RowSchema schema = RowSchema.For(group.Key);
            List<ReportCell[]> objects = group.Select(schema.Cells).ToList();
            int source = schema.Columns.ToList().FindIndex(c => c.Name == SourceColumn);
            string tableId = part++ == 0 ? id : $"{id}-{part.ToString(CultureInfo.InvariantCulture)}";

            sb.Append("<div class=\"scroll\"><table class=\"kv\" id=\"").Append(tableId).Append("\" data-type=\"")
                .Append(HtmlText.Encode(group.Key.Name)).Append("\">\n<thead><tr><th scope=\"col\">Property</th>");
            for (int o = 0; o < objects.Count; o++)
            {
                string head = source >= 0 ? Path.GetFileName(objects[o][source].Text) : $"#{(o + 1).ToString(CultureInfo.InvariantCulture)}";
                sb.Append("<th scope=\"col\" class=\"n\">").Append(HtmlText.Encode(head)).Append("</th>");
            }

            sb.Append("</tr></thead>\n<tbody>\n");
            for (int i = 0; i < schema.Columns.Count; i++)
            {
                if (i == source)
                {
                    continue;
                }

                sb.Append("<tr><th scope=\"row\">").Append(HtmlText.Encode(schema.Columns[i].Name)).Append("</th>");
                foreach (ReportCell[] cells in objects)
                {
                    Cell(sb, cells[i] with { Numeric = true });
                }

                sb.Append("</tr>\n");
            }

            sb.Append("</tbody></table></div>\n");
        }
    }

    private static void Cell(StringBuilder sb, in ReportCell cell)
    {
        sb.Append(cell.Numeric ? "<td class=\"n\"" : "<td");
        if (cell.SortKey is { } key)
        {
            sb.Append(" data-v=\"").Append(HtmlText.Encode(key)).Append('"');
        }

        sb.Append('>');
        HtmlText.Append(sb, cell.Text);
        sb.Append("</td>");
    }

    private static ReportCell[] SourceByName(RowSchema schema, ReportCell[] cells)
    {
        for (int i = 0; i < cells.Length; i++)
        {
            if (schema.Columns[i].Name == SourceColumn && cells[i].Text.Length > 0)
            {
                cells[i] = cells[i] with { Text = Path.GetFileName(cells[i].Text) };
            }
        }

        return cells;
    }
}
