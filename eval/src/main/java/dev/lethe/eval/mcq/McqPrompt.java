package dev.lethe.eval.mcq;

import java.util.List;

/**
 * The MMLU / WMDP prompt of lm-evaluation-harness (and open-instruct's MMLU script; algorithms.md 9.3 and 12):
 * <pre>
 * The following are multiple choice questions (with answers) about {subject with _ as space}.\n\n
 * {example question}\nA. {c0}\nB. {c1}\nC. {c2}\nD. {c3}\nAnswer: {letter}\n\n      (k times, k-shot)
 * {question}\nA. {c0}\nB. {c1}\nC. {c2}\nD. {c3}\nAnswer:
 * </pre>
 * The question is stripped of surrounding whitespace (lm-eval's {@code question.strip()}); the description line is
 * left out when the subject is null. The scored continuations are {@code " A"} .. {@code " D"}.
 */
public final class McqPrompt {

    private McqPrompt() {
    }

    /** The description line (with its blank line), or "" for a null subject. */
    public static String description(String subject) {
        if (subject == null || subject.isBlank()) {
            return "";
        }
        return "The following are multiple choice questions (with answers) about " + subject.replace('_', ' ')
                + ".\n\n";
    }

    /** One question with its options, ending in "Answer:". */
    public static String question(McqItem item) {
        StringBuilder b = new StringBuilder(item.question().strip());
        for (int j = 0; j < 4; j++) {
            b.append('\n').append(McqItem.LETTERS.get(j)).append(". ").append(item.choices().get(j));
        }
        return b.append("\nAnswer:").toString();
    }

    /** The full context: description, the solved examples, then the question. */
    public static String context(String subject, List<McqItem> shots, McqItem item) {
        StringBuilder b = new StringBuilder(description(subject));
        for (McqItem s : shots) {
            b.append(question(s)).append(' ').append(McqItem.LETTERS.get(s.answer())).append("\n\n");
        }
        return b.append(question(item)).toString();
    }
}
