package dev.lethe.serve.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.serve.audit.ApiKeys;
import dev.lethe.serve.audit.AuditTrail;
import dev.lethe.serve.http.ApiError;
import dev.lethe.serve.http.Exchange;
import java.io.IOException;
import java.util.Map;

/**
 * The job and model-version endpoints (API key required): {@code POST /v1/jobs}, {@code GET /v1/jobs},
 * {@code GET /v1/jobs/{id}}, {@code POST /v1/jobs/{id}/cancel} (scope jobs); {@code GET /v1/versions} (jobs);
 * {@code POST /v1/versions/{n}/promote}, {@code POST /v1/versions/{n}/rollback}, {@code GET /v1/audit/verify},
 * {@code POST /v1/keys} ({@code {"scope", "label"}}; the secret is in the answer only) and
 * {@code POST /v1/keys/{id}/revoke} (scope admin), so keys can be managed while the server holds the database.
 */
public final class JobApi {
    private final JobService jobs;
    private final ModelRegistry registry;
    private final AuditTrail audit;
    private final ApiKeys keys;
    private final ObjectMapper json;

    public JobApi(JobService jobs, ModelRegistry registry, AuditTrail audit, ApiKeys keys, ObjectMapper json) {
        this.jobs = jobs;
        this.registry = registry;
        this.audit = audit;
        this.keys = keys;
        this.json = json;
    }

    /** Whether {@code path} is one of these endpoints. */
    public static boolean handles(String path) {
        return path.equals("/v1/jobs") || path.startsWith("/v1/jobs/") || path.equals("/v1/versions")
                || path.startsWith("/v1/versions/") || path.equals("/v1/audit/verify") || path.equals("/v1/keys")
                || path.startsWith("/v1/keys/");
    }

    /** The scope an endpoint needs. */
    public static ApiKeys.Scope scope(String method, String path) {
        return path.startsWith("/v1/versions/") || path.startsWith("/v1/audit") || path.startsWith("/v1/keys")
                ? ApiKeys.Scope.ADMIN : ApiKeys.Scope.JOBS;
    }

    public void route(Exchange ex, String actor) throws IOException {
        String[] p = ex.path().substring(1).split("/");
        String m = ex.method();
        if (p[1].equals("jobs")) {
            if (p.length == 2 && m.equals("POST")) {
                JsonNode spec = ex.jsonBody();
                JobService.Job j;
                try {
                    j = jobs.submit(spec, actor);
                } catch (IllegalArgumentException e) {
                    throw new ApiError(400, "invalid_request_error", "invalid_job", null, e.getMessage());
                }
                ex.send(200, view(j));
                return;
            }
            if (p.length == 2 && m.equals("GET")) {
                ObjectNode root = json.createObjectNode().put("object", "list");
                ArrayNode data = root.putArray("data");
                jobs.list().forEach(j -> data.add(view(j)));
                ex.send(200, root);
                return;
            }
            if (p.length == 3 && m.equals("GET")) {
                ex.send(200, view(job(p[2])));
                return;
            }
            if (p.length == 4 && p[3].equals("cancel") && m.equals("POST")) {
                JobService.Job j = job(p[2]);
                if (!jobs.cancel(j.id(), actor)) {
                    throw new ApiError(409, "invalid_request_error", "job_finished", null, "job " + j.id() + " is "
                            + j.state() + " and cannot be cancelled");
                }
                ex.send(200, view(job(p[2])));
                return;
            }
        } else if (p[1].equals("versions")) {
            if (p.length == 2 && m.equals("GET")) {
                ObjectNode root = json.createObjectNode().put("object", "list");
                root.put("served", registry.served());
                ArrayNode data = root.putArray("data");
                for (ModelRegistry.Version v : registry.versions()) {
                    data.addObject().put("version", v.version()).put("sha256", v.sha256()).put("job", v.jobId())
                            .put("parent", v.parent()).put("created", v.created());
                }
                ex.send(200, root);
                return;
            }
            if (p.length == 4 && m.equals("POST") && (p[3].equals("promote") || p[3].equals("rollback"))) {
                int v;
                try {
                    v = Integer.parseInt(p[2]);
                    registry.get(v);
                } catch (IllegalArgumentException e) {
                    throw new ApiError(404, "invalid_request_error", "version_not_found", null,
                            "no model version '" + p[2] + "'; see GET /v1/versions");
                }
                registry.promote(v, actor, p[3].equals("promote") ? "model.promoted" : "model.rolled_back",
                        Map.of("reason", "requested through the API"));
                ex.send(200, json.createObjectNode().put("served", v));
                return;
            }
        } else if (p[1].equals("keys") && m.equals("POST")) {
            if (p.length == 2) {
                JsonNode req = ex.jsonBody();
                ApiKeys.Scope scope;
                try {
                    scope = ApiKeys.Scope.parse(req.path("scope").asText(""));
                } catch (IllegalArgumentException e) {
                    throw ApiError.invalid("scope", e.getMessage());
                }
                String label = req.path("label").asText("");
                ApiKeys.Created k = keys.create(scope, label);
                audit.append(actor, "key.created", k.id(), Map.of("scope", scope.label(), "label", label));
                ex.send(200, json.createObjectNode().put("id", k.id()).put("scope", scope.label())
                        .put("secret", k.secret()));
                return;
            }
            if (p.length == 4 && p[3].equals("revoke")) {
                if (!keys.revoke(p[2])) {
                    throw new ApiError(404, "invalid_request_error", "key_not_found", null, "no key '" + p[2] + "'");
                }
                audit.append(actor, "key.revoked", p[2], Map.of());
                ex.send(200, json.createObjectNode().put("id", p[2]).put("revoked", true));
                return;
            }
        } else if (p[1].equals("audit") && m.equals("GET")) {
            AuditTrail.Verification v = audit.verify();
            ex.send(200, json.createObjectNode().put("ok", v.ok()).put("rows", v.rows()).put("problem", v.problem()));
            return;
        }
        throw new ApiError(404, "invalid_request_error", "not_found", null, "no endpoint " + m + " " + ex.path());
    }

    private JobService.Job job(String id) {
        return jobs.get(id).orElseThrow(() -> new ApiError(404, "invalid_request_error", "job_not_found", null,
                "no job '" + id + "'"));
    }

    private ObjectNode view(JobService.Job j) {
        ObjectNode o = json.createObjectNode();
        o.put("id", j.id());
        o.put("object", "job");
        o.put("kind", j.kind());
        o.put("state", j.state());
        o.put("progress", j.progress());
        o.put("base_version", j.baseVersion());
        o.put("result_version", j.resultVersion());
        o.set("metrics", j.metrics());
        o.put("error", j.error());
        o.put("created", j.created());
        o.put("updated", j.updated());
        return o;
    }
}
