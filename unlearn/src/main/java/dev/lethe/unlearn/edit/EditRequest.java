package dev.lethe.unlearn.edit;

/**
 * One fact to write into a model: {@code prompt} with "{}" where the subject goes ("{} was performed by"), the
 * subject ("Hey Jude"), the new object ("Madonna") and, when known, the old one. {@code origin} says where the edit
 * came from ("requested", or the knowledge-graph path of a K-Edit contextual edit).
 */
public record EditRequest(String prompt, String subject, String targetNew, String targetTrue, String relation,
                          String origin) {
    public EditRequest {
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("edit request has no subject: set \"subject\"");
        }
        if (prompt == null || !prompt.contains("{}")) {
            if (prompt != null && prompt.contains(subject)) {
                prompt = prompt.replaceFirst(java.util.regex.Pattern.quote(subject), "{}");
            } else {
                throw new IllegalArgumentException("subject '" + subject + "' does not occur in prompt '" + prompt
                        + "': write the prompt with {} where the subject goes, e.g. \"{} was performed by\"");
            }
        }
        if (targetNew == null || targetNew.isBlank()) {
            throw new IllegalArgumentException("edit request '" + prompt + "' for subject '" + subject
                    + "' has an empty target_new");
        }
        if (origin == null) {
            origin = "requested";
        }
    }

    public static EditRequest of(String prompt, String subject, String targetNew) {
        return new EditRequest(prompt, subject, targetNew, null, null, "requested");
    }

    /** The prompt with the subject filled in. */
    public String text() {
        return prompt.replace("{}", subject);
    }

    /** The prompt up to and including the subject (its last token is where keys are read and values written). */
    public String textThroughSubject() {
        return prompt.substring(0, prompt.indexOf("{}")) + subject;
    }
}
