package org.kron4j.it;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * A class loader that makes one variant look absent from the class path: it hides the
 * {@code META-INF/services} entry of the jar (or classes folder) that provides it, as if the
 * artifact were not there. Classes still load through the parent.
 */
final class HidingClassLoader extends ClassLoader {
    static final String SERVICE_FILE = "META-INF/services/org.kron4j.api.CurvatureApproximation";

    private final String hiddenPackage;

    /** @param hiddenPackage e.g. "org.kron4j.kfra.": service files naming classes of it are hidden */
    HidingClassLoader(ClassLoader parent, String hiddenPackage) {
        super(parent);
        this.hiddenPackage = hiddenPackage;
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        Enumeration<URL> all = super.getResources(name);
        if (!name.equals(SERVICE_FILE)) {
            return all;
        }
        List<URL> kept = new ArrayList<>();
        for (URL url : Collections.list(all)) {
            try (InputStream in = url.openStream()) {
                if (!new String(in.readAllBytes(), StandardCharsets.UTF_8).contains(hiddenPackage)) {
                    kept.add(url);
                }
            }
        }
        return Collections.enumeration(kept);
    }

    @Override
    public URL getResource(String name) {
        if (name.equals(SERVICE_FILE)) {
            try {
                Enumeration<URL> urls = getResources(name);
                return urls.hasMoreElements() ? urls.nextElement() : null;
            } catch (IOException e) {
                return null;
            }
        }
        return super.getResource(name);
    }
}
