package dev.lethe.examples.cli;

import dev.lethe.optim.AdamWErrors;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The verdict of {@code lethe check}: the largest relative error of each quantity against the reference, with
 * {@code grad.*} and each {@code adamwK.*} grouped into one row (the max and the worst tensor's name), each row
 * judged against its tolerance: 1e-5 for logits, hidden states, token log-probs, the loss and left-padded logits;
 * 1e-4 for gradients and the float32 AdamW trajectory ({@code adamwK_f32.*}); 1e-5 for the float64 AdamW trajectory
 * ({@code adamwK.*}) and the optimizer step from the reference's gradients ({@code adamw1_refgrad.*}), see
 * {@link AdamWErrors}; exact for greedy ids. A quantity the reference has but the check did not
 * compute is a failure, so is an error that is NaN; quantities computed but absent from the reference are listed
 * and do not count.
 */
public final class CheckReport {
    /** Tolerance of logits, hidden states, token log-probs, loss and left-padded logits. */
    public static final double TOL_FORWARD = 1e-5;
    /** Tolerance of gradients. */
    public static final double TOL_GRAD = 1e-4;
    /** Tolerance of the parameters after AdamW steps. */
    public static final double TOL_ADAMW = 1e-5;

    private static final Pattern GROUPED = Pattern.compile("^(grad|adamw\\d+(?:_f32|_refgrad)?)\\.(.+)$");
    private static final Set<String> INPUTS = Set.of("input_ids", "attention_mask", "labels", "position_ids");

    /**
     * One row: a quantity or group, its error (NaN when missing), the worst member of a group (else null), how many
     * tensors it covers, its tolerance, whether the reference lacked it or the check did not compute it, and how many
     * elements were left out of the comparison (AdamW's noise-level elements, see {@link AdamWErrors}).
     */
    public record Row(String quantity, double error, String worst, int count, double tolerance, Status status,
                      long excluded) {
        /** Within tolerance (and present on both sides). */
        public boolean ok() {
            return status == Status.COMPARED && error <= tolerance;
        }
    }

    /** How a row came about. */
    public enum Status { COMPARED, MISSING, NOT_IN_REFERENCE }

    private final List<Row> rows;

    private CheckReport(List<Row> rows) {
        this.rows = List.copyOf(rows);
    }

    /**
     * Builds the report from the computed quantity names, their errors against the reference (as
     * {@code ReferenceCheck.compare} gives them), the reference's tensor names and, per quantity, the number of
     * elements left out of its error (may be empty).
     */
    public static CheckReport of(Collection<String> computed, Map<String, Double> errors, Collection<String> refNames,
                                 Map<String, Long> excluded) {
        Map<String, Row> rows = new LinkedHashMap<>();
        for (String name : computed) {
            if (errors.containsKey(name)) {
                addCompared(rows, name, errors.get(name), excluded.getOrDefault(name, 0L));
            }
        }
        for (String name : refNames) {
            if (isInput(name) || computed.contains(name)) {
                continue;
            }
            String key = "missing " + group(name);
            Row r = rows.get(key);
            rows.put(key, new Row(group(name), Double.NaN, r == null ? name : r.worst(), r == null ? 1 : r.count() + 1,
                    tolerance(name), Status.MISSING, 0));
        }
        for (String name : computed) {
            if (!errors.containsKey(name)) {
                String key = "extra " + group(name);
                Row r = rows.get(key);
                rows.put(key, new Row(group(name), Double.NaN, null, r == null ? 1 : r.count() + 1, tolerance(name),
                        Status.NOT_IN_REFERENCE, 0));
            }
        }
        return new CheckReport(new ArrayList<>(rows.values()));
    }

    private static void addCompared(Map<String, Row> rows, String name, double err, long excluded) {
        String g = group(name);
        Row r = rows.get(g);
        if (r == null) {
            rows.put(g, new Row(g, err, g.equals(name) ? null : name.substring(name.indexOf('.') + 1), 1,
                    tolerance(name), Status.COMPARED, excluded));
            return;
        }
        boolean worse = Double.isNaN(err) || !Double.isNaN(r.error()) && err > r.error();
        rows.put(g, new Row(g, worse ? err : r.error(), worse ? name.substring(name.indexOf('.') + 1) : r.worst(),
                r.count() + 1, r.tolerance(), Status.COMPARED, r.excluded() + excluded));
    }

    /** {@code grad.*} / {@code adamwK.*} for grouped names, else the name itself. */
    static String group(String name) {
        Matcher m = GROUPED.matcher(name);
        return m.matches() ? m.group(1) + ".*" : name;
    }

    /** The tolerance that applies to a quantity name. */
    public static double tolerance(String name) {
        if (name.equals("greedy_ids")) {
            return 0.0;
        }
        Matcher m = GROUPED.matcher(name);
        if (!m.matches()) {
            return TOL_FORWARD;
        }
        return m.group(1).equals("grad") || m.group(1).endsWith("_f32") ? TOL_GRAD : TOL_ADAMW;
    }

    static boolean isInput(String name) {
        String base = name.startsWith("left.") ? name.substring(5) : name;
        return INPUTS.contains(base);
    }

    public List<Row> rows() {
        return rows;
    }

    /** True when at least one quantity was compared, every compared one is within tolerance and none is missing. */
    public boolean passed() {
        boolean any = false;
        for (Row r : rows) {
            if (r.status() == Status.COMPARED) {
                any = true;
                if (!r.ok()) {
                    return false;
                }
            } else if (r.status() == Status.MISSING) {
                return false;
            }
        }
        return any;
    }

    /** The report as lines: a header, one line per row, and a final {@code PASS}/{@code FAIL} line. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "%-22s %-12s %-9s %-6s %s", "quantity", "rel. error", "tolerance", "result",
                "worst"));
        int compared = 0;
        int bad = 0;
        for (Row r : rows) {
            String q = r.count() > 1 || r.quantity().endsWith(".*") ? r.quantity() + " (" + r.count() + ")" : r.quantity();
            String tol = r.tolerance() == 0 ? "exact" : String.format(Locale.ROOT, "%.0e", r.tolerance());
            switch (r.status()) {
                case COMPARED -> {
                    compared++;
                    bad += r.ok() ? 0 : 1;
                    out.add(String.format(Locale.ROOT, "%-22s %-12s %-9s %-6s %s", q, String.format(Locale.ROOT,
                            "%.3e", r.error()), tol, r.ok() ? "ok" : "FAIL", (r.worst() == null ? "" : r.worst())
                            + (r.excluded() > 0 ? String.format(Locale.ROOT, " (%d noise-level elements not compared)",
                                    r.excluded()) : "")));
                }
                case MISSING -> {
                    bad++;
                    out.add(String.format(Locale.ROOT, "%-22s %-12s %-9s %-6s %s", q, "missing", tol, "FAIL",
                            "in the reference but not computed, e.g. " + r.worst()));
                }
                case NOT_IN_REFERENCE -> out.add(String.format(Locale.ROOT, "%-22s %-12s %-9s %-6s %s", q, "-", tol,
                        "-", "not in the reference (written to the dump only)"));
            }
        }
        if (passed()) {
            out.add(String.format(Locale.ROOT, "PASS: %d quantities within tolerance", compared));
        } else if (compared == 0 && bad == 0) {
            out.add("FAIL: the reference holds none of the quantities the check computes");
        } else {
            out.add(String.format(Locale.ROOT, "FAIL: %d of %d quantities out of tolerance or missing", bad,
                    compared + (int) rows.stream().filter(r -> r.status() == Status.MISSING).count()));
        }
        return out;
    }
}
