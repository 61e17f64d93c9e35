package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import dev.jspawn.runtime.UserError;

import picocli.CommandLine.Option;

/**
 * The output options of the listing commands (list, status, base list, base versions), as
 * systemctl and machinectl have them: {@code --json}, {@code --no-legend}, {@code --no-pager}.
 * Rows are maps from the documented JSON field names (jspawn(1), JSON OUTPUT) to values: strings,
 * numbers, booleans, null, lists and maps; the table shows some of them as columns.
 */
final class Output {

    @Option(names = "--json", description = "Print JSON instead of a table: field names as in jspawn(1), JSON OUTPUT.")
    boolean json;

    @Option(names = "--no-legend", description = "No header and no footer, for scripts.")
    boolean noLegend;

    @Option(names = "--no-pager", description = "Accepted as systemctl accepts it; jspawn never pages.")
    boolean noPager;

    /** A table column: its header, and how a row shows in it. */
    record Column(String header, Function<Map<String, Object>, String> text) {
        static Column of(String header, String field) {
            return new Column(header, row -> show(row.get(field)));
        }
    }

    static String show(Object value) {
        if (value == null) return "-";
        if (value instanceof List<?> l) return l.isEmpty() ? "-" : String.join(",", l.stream().map(Output::show).toList());
        return value.toString();
    }

    /** Rows as a table (with a header and, if {@code what} is given, a "N things listed." footer), or as a JSON array. */
    void rows(PrintWriter out, List<Column> columns, List<Map<String, Object>> rows, String what) {
        if (json) {
            write(out, rows);
            return;
        }
        List<String[]> table = new ArrayList<>();
        if (!noLegend) table.add(columns.stream().map(Column::header).toArray(String[]::new));
        for (Map<String, Object> r : rows) table.add(columns.stream().map(c -> c.text().apply(r)).toArray(String[]::new));
        if (!table.isEmpty()) Table.print(out, table);
        if (!noLegend && what != null) {
            out.println();
            out.println(rows.size() + " " + what + (rows.size() == 1 ? "" : "s") + " listed.");
        }
        out.flush();
    }

    /** One value as JSON on a line of its own. */
    static void write(PrintWriter out, Object value) {
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            dev.jspawn.images.Json.write(g, value);
        } catch (IOException e) {
            throw new UserError("Failed to write JSON: " + e.getMessage());
        }
        out.println();
        out.flush();
    }
}
