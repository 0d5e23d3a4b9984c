package dev.lethe.unlearn.edit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Facts (subject, relation, object) with, per relation, a cloze template ("{} was performed by", "{}" = subject,
 * the object follows) and a noun label ("performer") that names the relation inside a longer phrase ("the performer
 * of Hey Jude"). Every relation of a triple must have a template.
 */
public final class KnowledgeGraph {
    public record Triple(String subject, String relation, String object) {
    }

    /** How a relation is spoken: cloze template with {} for the subject, and a noun label. */
    public record Relation(String id, String template, String label) {
        public Relation {
            if (template == null || !template.contains("{}")) {
                throw new IllegalArgumentException("relation " + id + ": template '" + template
                        + "' must contain {} for the subject");
            }
        }
    }

    private final Map<String, Relation> relations;
    private final Map<String, List<Triple>> bySubject = new LinkedHashMap<>();

    public KnowledgeGraph(Map<String, Relation> relations, List<Triple> triples) {
        this.relations = Map.copyOf(relations);
        Set<Triple> seen = new LinkedHashSet<>();
        for (Triple t : triples) {
            if (!relations.containsKey(t.relation())) {
                throw new IllegalArgumentException("knowledge graph triple (" + t.subject() + ", " + t.relation() + ", "
                        + t.object() + ") uses relation '" + t.relation() + "', which has no template: add it to the"
                        + " relation templates");
            }
            if (seen.add(t)) {
                bySubject.computeIfAbsent(t.subject(), k -> new ArrayList<>()).add(t);
            }
        }
    }

    public Relation relation(String id) {
        Relation r = relations.get(id);
        if (r == null) {
            throw new IllegalArgumentException("unknown relation '" + id + "' in the knowledge graph: known are "
                    + relations.keySet());
        }
        return r;
    }

    /** Facts whose subject is {@code entity}, in insertion order. */
    public List<Triple> factsAbout(String entity) {
        return bySubject.getOrDefault(entity, List.of());
    }

    /**
     * The graph after the requested edits: a fact (s, r, o) of an edited subject and relation gives way to
     * (s, r, o*), so paths run through the world as it is after editing (our choice for K-Edit).
     */
    public KnowledgeGraph withEdits(List<EditRequest> edits) {
        Map<String, String> replaced = new LinkedHashMap<>();
        for (EditRequest e : edits) {
            if (e.relation() != null) {
                relation(e.relation());
                replaced.put(e.subject() + "\u0000" + e.relation(), e.targetNew());
            }
        }
        List<Triple> out = new ArrayList<>();
        for (List<Triple> ts : bySubject.values()) {
            for (Triple t : ts) {
                if (!replaced.containsKey(t.subject() + "\u0000" + t.relation())) {
                    out.add(t);
                }
            }
        }
        replaced.forEach((k, o) -> {
            String[] sr = k.split("\u0000");
            out.add(new Triple(sr[0], sr[1], o));
        });
        return new KnowledgeGraph(relations, out);
    }

    public int size() {
        return bySubject.values().stream().mapToInt(List::size).sum();
    }
}
