package dev.lethe.examples.cli;

import dev.lethe.serve.audit.ApiKeys;
import dev.lethe.serve.audit.AuditTrail;
import dev.lethe.serve.audit.Database;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lethe keys create|revoke}: API keys of a registry (stored hashed; each change audited). */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Create or revoke API keys of a registry.",
        subcommands = {KeysCommand.Create.class, KeysCommand.Revoke.class})
public final class KeysCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** Options naming the registry database. */
    static final class Registry {
        @Option(names = "--registry", required = true, description = "The server's registry folder.")
        Path registry;

        @Option(names = "--db", description = "JDBC URL, when the server was started with --db.")
        String db;

        Database open() {
            return Database.open(registry, db);
        }

        AuditTrail audit(Database d) {
            return new AuditTrail(d, registry.resolve("audit.head"));
        }
    }

    /** {@code lethe keys create}. */
    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a key; its secret is printed"
            + " once.")
    public static final class Create implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        Registry registry = new Registry();

        @Option(names = "--scope", required = true, description = "infer, jobs or admin (admin covers jobs, which"
                + " covers infer).")
        String scope;

        @Option(names = "--label", description = "Who or what the key is for (default: none).")
        String label = "";

        @Override
        public Integer call() {
            try (Database db = registry.open()) {
                ApiKeys.Created k = new ApiKeys(db).create(ApiKeys.Scope.parse(scope), label);
                registry.audit(db).append("cli", "key.created", k.id(), Map.of("scope", scope, "label", label));
                var out = spec.commandLine().getOut();
                out.println("id:     " + k.id());
                out.println("scope:  " + scope);
                out.println("secret: " + k.secret() + "   (shown once; send as 'Authorization: Bearer <secret>')");
                out.flush();
            }
            return 0;
        }
    }

    /** {@code lethe keys revoke}. */
    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key by id.")
    public static final class Revoke implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        Registry registry = new Registry();

        @CommandLine.Parameters(paramLabel = "ID", description = "The key's id (key_...).")
        String id;

        @Override
        public Integer call() {
            try (Database db = registry.open()) {
                if (!new ApiKeys(db).revoke(id)) {
                    throw new IllegalArgumentException("no key with id '" + id + "' in " + registry.registry);
                }
                registry.audit(db).append("cli", "key.revoked", id, Map.of());
                spec.commandLine().getOut().println("revoked " + id);
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }
}
