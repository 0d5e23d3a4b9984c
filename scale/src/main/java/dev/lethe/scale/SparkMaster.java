package dev.lethe.scale;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;

/**
 * The Spark master a sweep runs on: {@code local}, {@code local[N]}, {@code local[*]}, {@code local[N,F]} (F attempts
 * per task) embedded in this JVM, {@code spark://host:port} (a standalone cluster), or any other master URL Spark
 * knows ({@code yarn}, {@code k8s://...}). Embedded Spark binds the driver to 127.0.0.1.
 */
public final class SparkMaster {
    private static final Pattern LOCAL = Pattern.compile("local(\\[(\\*|[1-9][0-9]*)(,[1-9][0-9]*)?])?");

    private SparkMaster() {
    }

    /** Refuses a malformed URL, and a standalone master nobody answers at, before any run starts. */
    public static void check(String master) {
        if (LOCAL.matcher(master).matches() || master.equals("yarn") || master.startsWith("k8s://")) {
            return;
        }
        if (!master.startsWith("spark://")) {
            throw new IllegalArgumentException("--master '" + master + "': not a Spark master URL; use local[*],"
                    + " local[N], spark://host:7077, yarn or k8s://...");
        }
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            URI u = URI.create("spark://" + hostPort);
            if (u.getHost() == null || u.getPort() < 0) {
                throw new IllegalArgumentException("--master '" + master + "': expected spark://host:port");
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 3000);
            } catch (IOException e) {
                throw new IllegalArgumentException("--master '" + master + "': no Spark master answers at "
                        + u.getHost() + ":" + u.getPort() + " (" + e.getMessage() + "); start it or fix the URL", e);
            }
        }
    }

    /**
     * Spark's configuration for a sweep on {@code master} (plus any {@code spark.*} system properties, as in every
     * Spark application): no web UI; the driver binds to 127.0.0.1 for embedded masters and for a standalone master
     * on loopback, whose executors reach the driver there.
     */
    public static SparkConf conf(String master, String appName) {
        SparkConf conf = new SparkConf().setMaster(master).setAppName(appName).set("spark.ui.enabled", "false");
        if (master.startsWith("local") || loopbackStandalone(master)) {
            conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        }
        return conf;
    }

    private static boolean loopbackStandalone(String master) {
        if (!master.startsWith("spark://")) {
            return false;
        }
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            String host = URI.create("spark://" + hostPort).getHost();
            if (!"127.0.0.1".equals(host) && !"localhost".equals(host)) {
                return false;
            }
        }
        return true;
    }
}
