package dev.lethe.unlearn.edit;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * K-Edit's context extraction (arXiv 2502.10626, Fig. 1): next to a requested edit (s, r, o*), facts of the knowledge
 * graph around the new object o* become contextual edits that chain the edited relation with the graph's, e.g.
 * (Hey Jude, performer, Madonna) + (Madonna, citizen of, USA) gives "The performer of Hey Jude is a citizen of" → USA.
 * All are then applied with MEMIT (see {@link Editor}).
 *
 * <p>The paper's code is not public; these choices are ours: paths start at the new object and follow outgoing
 * facts; a path of h hops (h ≤ kgHops, the edited fact counting as the first) is spoken by nesting the relations'
 * noun labels around the subject ("the director / manager of the performer of {}") inside the last relation's cloze
 * template, with the original subject keeping the {} slot so keys are read at its last token; only relations in
 * kgRelations are followed (all when empty); a path never revisits an entity; each (prompt, subject, target) is
 * emitted once; initial and contextual edits go into MEMIT as one batch.
 */
public final class KEdit {
    private KEdit() {
    }

    /** The contextual edits for {@code requests}, each with its origin (the path that produced it). */
    public static List<EditRequest> contextualEdits(List<EditRequest> requests, KnowledgeGraph kg, EditSettings s) {
        Set<String> seen = new LinkedHashSet<>();
        List<EditRequest> out = new ArrayList<>();
        for (EditRequest r : requests) {
            String rel = r.relation();
            if (rel == null) {
                throw new IllegalArgumentException("K-Edit needs the relation of each requested edit; '" + r.text()
                        + "' has none: give relation_id in the edits file");
            }
            String phrase = "the " + kg.relation(rel).label() + " of {}";
            Set<String> visited = new LinkedHashSet<>(List.of(r.subject(), r.targetNew()));
            extend(r, phrase, r.targetNew(), "(" + r.subject() + ", " + rel + ", " + r.targetNew() + ")", 2, visited,
                    kg, s, seen, out);
        }
        return out;
    }

    private static void extend(EditRequest r, String phrase, String entity, String path, int hops, Set<String> visited,
            KnowledgeGraph kg, EditSettings s, Set<String> seen, List<EditRequest> out) {
        if (hops > s.kgHops()) {
            return;
        }
        for (KnowledgeGraph.Triple t : kg.factsAbout(entity)) {
            if (!s.kgRelations().isEmpty() && !s.kgRelations().contains(t.relation())
                    || visited.contains(t.object())) {
                continue;
            }
            KnowledgeGraph.Relation rel = kg.relation(t.relation());
            String prompt = capitalise(rel.template().replace("{}", phrase));
            String origin = "kedit: " + path + " + (" + entity + ", " + t.relation() + ", " + t.object() + ")";
            if (seen.add(prompt + "\u0000" + r.subject() + "\u0000" + t.object())) {
                out.add(new EditRequest(prompt, r.subject(), t.object(), null, null, origin));
            }
            Set<String> next = new LinkedHashSet<>(visited);
            next.add(t.object());
            extend(r, "the " + rel.label() + " of " + phrase, t.object(), origin.substring("kedit: ".length()),
                    hops + 1, next, kg, s, seen, out);
        }
    }

    private static String capitalise(String s) {
        return s.isEmpty() || s.startsWith("{}") ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
