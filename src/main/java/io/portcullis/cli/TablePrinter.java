package io.portcullis.cli;

import java.io.PrintWriter;
import java.util.List;

/**
 * A table as kubectl prints one (Go's tabwriter with minimum width 6 and padding 3): each column
 * as wide as its widest cell plus three spaces, the last one not padded.
 */
final class TablePrinter {
    private static final int MIN_WIDTH = 6;
    private static final int PADDING = 3;

    private TablePrinter() {
    }

    static void print(PrintWriter out, List<String> headers, List<List<String>> rows) {
        int[] widths = new int[headers.size()];
        for (int c = 0; c < widths.length; c++) {
            int w = headers.get(c).length();
            for (List<String> row : rows) {
                w = Math.max(w, row.get(c).length());
            }
            widths[c] = Math.max(MIN_WIDTH, w + PADDING);
        }
        line(out, headers, widths);
        rows.forEach(r -> line(out, r, widths));
        out.flush();
    }

    private static void line(PrintWriter out, List<String> cells, int[] widths) {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            String cell = cells.get(c);
            sb.append(cell);
            if (c < cells.size() - 1) {
                sb.append(" ".repeat(widths[c] - cell.length()));
            }
        }
        out.println(sb);
    }
}
