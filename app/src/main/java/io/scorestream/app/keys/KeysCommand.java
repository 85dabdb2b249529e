package io.scorestream.app.keys;

import io.scorestream.app.command.CommandLines;
import io.scorestream.app.command.ScorestreamVersion;
import io.scorestream.inference.signing.SigningKeys;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code scorestream keys generate}: makes an Ed25519 key pair for signing model specs
 * ({@code models publish --signing-key}) and trusting them ({@code model.trusted.keys}).
 *
 * <p>The private key is written as PKCS#8 PEM to a file created with owner-only permissions (0600
 * where the file system has POSIX permissions) before any byte of it is written; the public key as
 * X.509 SubjectPublicKeyInfo PEM. Existing files are never overwritten. The command prints the key
 * id and the two paths, never the private key. A new instance per command line; not thread-safe.
 */
@Command(name = "keys", mixinStandardHelpOptions = true, versionProvider = ScorestreamVersion.class,
        description = {"Manages the keys that sign model versions.", ""},
        subcommands = {KeysCommand.Generate.class})
public final class KeysCommand {

    /** File name of the private key under {@code --out}. */
    public static final String PRIVATE_FILE = "model-signing.key.pem";
    /** File name of the public key under {@code --out}. */
    public static final String PUBLIC_FILE = "model-signing.pub.pem";

    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    /** {@code keys generate}. */
    @Command(name = "generate", mixinStandardHelpOptions = true, versionProvider = ScorestreamVersion.class,
            sortOptions = false,
            description = {"Generates an Ed25519 key pair for signing model versions.",
                "The private key (PKCS#8 PEM, owner-only permissions) signs: 'models publish --signing-key FILE'. "
                        + "The public key (X.509 PEM) goes into the applications' model.trusted.keys. Prints the "
                        + "key id; existing files are not overwritten.", ""})
    static final class Generate implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Where where;

        /** Either a directory for both files, or each file's path. */
        static final class Where {
            @Option(names = "--out", required = true, paramLabel = "DIR",
                    description = "Directory to write " + PRIVATE_FILE + " and " + PUBLIC_FILE + " to (created "
                            + "if missing).")
            Path out;

            @ArgGroup(exclusive = false)
            KeyFiles files;
        }

        /** {@code --private FILE --public FILE}. */
        static final class KeyFiles {
            @Option(names = "--private", required = true, paramLabel = "FILE", description = "The private key file.")
            Path privateFile;

            @Option(names = "--public", required = true, paramLabel = "FILE", description = "The public key file.")
            Path publicFile;
        }

        @Override
        public Integer call() throws IOException {
            final Path privateFile;
            final Path publicFile;
            if (where.out != null) {
                if (Files.exists(where.out) && !Files.isDirectory(where.out)) {
                    throw CommandLines.usage(spec, "--out '" + where.out + "' is not a directory");
                }
                Files.createDirectories(where.out);
                privateFile = where.out.resolve(PRIVATE_FILE);
                publicFile = where.out.resolve(PUBLIC_FILE);
            } else {
                privateFile = where.files.privateFile;
                publicFile = where.files.publicFile;
                if (privateFile.toAbsolutePath().normalize().equals(publicFile.toAbsolutePath().normalize())) {
                    throw CommandLines.usage(spec, "--private and --public name the same file '" + privateFile + "'");
                }
            }
            for (Path p : new Path[] {privateFile, publicFile}) {
                if (Files.exists(p)) {
                    throw new CommandLines.Refused("'" + p + "' exists; nothing was written (a key file is never "
                            + "overwritten: move it away or choose another path)");
                }
                final Path parent = p.toAbsolutePath().getParent();
                if (parent != null && !Files.isDirectory(parent)) {
                    throw CommandLines.usage(spec, "the directory of '" + p + "' does not exist");
                }
            }
            final KeyPair pair = SigningKeys.generate();
            writeOwnerOnly(privateFile, SigningKeys.privateKeyPem(pair.getPrivate()));
            try {
                Files.writeString(publicFile, SigningKeys.publicKeyPem(pair.getPublic()), StandardCharsets.US_ASCII,
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (IOException e) {
                Files.deleteIfExists(privateFile);
                throw e;
            }
            final PrintStream out = CommandLines.out(spec);
            out.printf(Locale.ROOT, "generated an Ed25519 key pair, key id %s%n", SigningKeys.keyId(pair.getPublic()));
            out.printf(Locale.ROOT, "private key: %s (owner-only; keep it secret, sign with 'models publish "
                    + "--signing-key %s')%n", privateFile, privateFile);
            out.printf(Locale.ROOT, "public key:  %s (add it to the applications' model.trusted.keys)%n", publicFile);
            return CommandLines.OK;
        }

        /** Creates {@code file} owner-only, then writes {@code text}; refuses an existing file. */
        private static void writeOwnerOnly(final Path file, final String text) throws IOException {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (UnsupportedOperationException e) {
                // No POSIX permissions here (e.g. Windows): the file inherits its directory's ACL.
                Files.createFile(file);
            } catch (FileAlreadyExistsException e) {
                throw new CommandLines.Refused("'" + file + "' exists; nothing was written");
            }
            try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                out.write(text.getBytes(StandardCharsets.US_ASCII));
            }
        }
    }
}
