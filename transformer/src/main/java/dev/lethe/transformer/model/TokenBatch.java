package dev.lethe.transformer.model;

/**
 * Token ids of a batch laid out row-major as [batch, length], with an attention mask (1 = real token, 0 = padding;
 * null = no padding) and optional position ids (null = 0, 1, 2, ... after any cached prefix). Left-padded batches pass
 * positions computed from the mask, cumsum(mask) - 1, as Hugging Face's generate() does.
 */
public record TokenBatch(int[] ids, int batch, int length, int[] mask, int[] positions) {
    public TokenBatch {
        if (ids.length != batch * length) {
            throw new IllegalArgumentException(ids.length + " ids do not fill [" + batch + ", " + length + "]");
        }
        if (mask != null && mask.length != ids.length || positions != null && positions.length != ids.length) {
            throw new IllegalArgumentException("mask and positions must have one entry per id");
        }
    }

    /** One unpadded sequence. */
    public static TokenBatch of(int... ids) {
        return new TokenBatch(ids, 1, ids.length, null, null);
    }

    /** Positions cumsum(mask) - 1, clamped at 0 (for left padding). */
    public static int[] positionsFromMask(int[] mask, int batch, int length) {
        int[] pos = new int[mask.length];
        for (int b = 0; b < batch; b++) {
            int c = 0;
            for (int t = 0; t < length; t++) {
                c += mask[b * length + t];
                pos[b * length + t] = Math.max(c - 1, 0);
            }
        }
        return pos;
    }
}
