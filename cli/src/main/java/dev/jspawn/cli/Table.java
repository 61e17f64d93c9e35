package dev.jspawn.cli;

import java.io.PrintWriter;
import java.util.List;

/** Left-aligned columns, as machinectl list prints them. */
final class Table {
    private Table() {
    }

    static void print(PrintWriter out, List<String[]> rows) {
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < columns; i++) width[i] = Math.max(width[i], r[i].length());
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                sb.append(r[i]);
                if (i < columns - 1) sb.append(" ".repeat(width[i] - r[i].length() + 2));
            }
            out.println(sb.toString().stripTrailing());
        }
    }
}
