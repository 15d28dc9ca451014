package dev.fheml.core.internal;

/** Child-process entry point for {@link NativeLoaderTest}. */
public final class LoaderProbe {
    private LoaderProbe() {}

    public static void main(String[] args) {
        try {
            Native.ensureLoaded();
            System.out.println("loaded: " + String.join(",", Native.Params_names()));
        } catch (UnsatisfiedLinkError e) {
            System.out.println(e.getMessage());
            System.exit(3);
        }
    }
}
