package dev.lethe.unlearn.edit;

import dev.lethe.transformer.tokenizer.PromptTemplate;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.util.Arrays;

/**
 * Token ids of one edit prompt: {@code ids} = prefix + prompt with the subject (+ the new target when asked),
 * {@code subjectLast} = index of the subject's last token (ROME's lookup: the length of the tokenized text through the
 * subject, minus one) and {@code targetStart} = index of the first target token ({@code ids.length} when there is no
 * target). Text is encoded as fine-tuning saw it ({@link PromptTemplate#rawTextIds}: BOS when training adds one).
 */
record EditTokens(int[] ids, int subjectLast, int targetStart) {

    /** The prompt (after {@code prefix}) without target. */
    static EditTokens prompt(Tokenizer tok, String prefix, String promptTemplate, String subject) {
        int[] ids = PromptTemplate.rawTextIds(tok, prefix + promptTemplate.replace("{}", subject));
        return new EditTokens(ids, subjectLast(tok, prefix, promptTemplate, subject, ids), ids.length);
    }

    /** The prompt followed by " " + target (no space added when the target starts with one). */
    static EditTokens withTarget(Tokenizer tok, String prefix, EditRequest r, String target) {
        String text = prefix + r.text();
        int[] promptIds = PromptTemplate.rawTextIds(tok, text);
        int[] full = PromptTemplate.rawTextIds(tok, text + (target.startsWith(" ") ? "" : " ") + target);
        if (full.length <= promptIds.length || !Arrays.equals(promptIds, Arrays.copyOf(full, promptIds.length))) {
            throw new IllegalArgumentException("target '" + target + "' of the edit '" + r.text() + "' tokenizes to no"
                    + " tokens of its own after the prompt: give a non-empty target_new");
        }
        return new EditTokens(full, subjectLast(tok, prefix, r.prompt(), r.subject(), full), promptIds.length);
    }

    private static int subjectLast(Tokenizer tok, String prefix, String template, String subject, int[] ids) {
        String through = prefix + template.substring(0, template.indexOf("{}")) + subject;
        int i = PromptTemplate.rawTextIds(tok, through).length - 1;
        if (i < 0 || i >= ids.length) {
            throw new IllegalArgumentException("subject '" + subject + "' tokenizes to nothing in '"
                    + template.replace("{}", subject) + "'");
        }
        return i;
    }

    int targetCount() {
        return ids.length - targetStart;
    }
}
