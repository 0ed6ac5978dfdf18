package io.github.proxycodec.haproxy;

import io.github.proxycodec.testing.Vector;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The names of the vectors in proxy-codec's test-jar (or its test classes folder, when the
 * build resolves the module's output directly), e.g. {@code "crafted/v2_tcp4"}.
 */
final class Vectors {

    private Vectors() {
    }

    static List<String> names() {
        try {
            URI uri = Vector.class.getResource("/vectors").toURI();
            if ("jar".equals(uri.getScheme())) {
                try (FileSystem fs = jarFileSystem(uri)) {
                    return list(fs.provider().getPath(uri));
                }
            }
            return list(Path.of(uri));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static FileSystem jarFileSystem(URI uri) throws IOException {
        try {
            return FileSystems.newFileSystem(uri, Map.of());
        } catch (FileSystemAlreadyExistsException e) {
            throw new IllegalStateException("the test-jar is already open elsewhere", e);
        }
    }

    private static List<String> list(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .filter(s -> s.endsWith(".hex"))
                    .map(s -> s.substring(0, s.length() - ".hex".length()))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }
}
