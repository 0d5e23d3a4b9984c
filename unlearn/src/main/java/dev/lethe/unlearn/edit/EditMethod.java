package dev.lethe.unlearn.edit;

import java.util.Locale;

/** The editing methods: ROME one edit at a time, MEMIT a batch, K-Edit MEMIT plus knowledge-graph contextual edits. */
public enum EditMethod {
    ROME, MEMIT, KEDIT;

    public static EditMethod parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT).replace("-", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown edit method '" + s + "': use rome, memit or kedit");
        }
    }
}
