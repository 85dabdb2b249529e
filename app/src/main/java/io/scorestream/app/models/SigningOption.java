package io.scorestream.app.models;

import io.scorestream.app.command.CommandLines;
import io.scorestream.inference.signing.SigningKeys;
import io.scorestream.inference.signing.SpecSigner;
import io.scorestream.schemas.ModelSpec;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * {@code --signing-key FILE}, a picocli mixin of the commands that publish a spec: the spec is
 * signed with that Ed25519 private key just before it is written (after every check), or, without
 * the option, published unsigned, any signature it carried removed (it would no longer match).
 *
 * <p>The key is read by {@link #signer} before anything is checked or written, so a bad key file
 * ends the command at once with a message naming the file; the key itself is never printed. A new
 * instance per command line; not thread-safe.
 */
final class SigningOption {

    @Option(names = "--signing-key", paramLabel = "FILE",
            description = "Sign the published spec with this Ed25519 private key (PKCS#8 PEM, from 'scorestream keys "
                    + "generate'); applications with model.trusted.keys check it. Default: unsigned.")
    Path signingKey;

    private SpecSigner signer;

    /**
     * Reads the key of {@code --signing-key}, if given; call before any check or write.
     *
     * @throws picocli.CommandLine.ParameterException naming the file when it holds no usable key
     */
    void load(final CommandSpec spec) {
        if (signingKey == null) {
            return;
        }
        try {
            signer = SpecSigner.fromFile(signingKey);
        } catch (SigningKeys.KeyFileException e) {
            throw CommandLines.usage(spec, "--signing-key: " + e.getMessage());
        }
    }

    /**
     * {@code spec} signed with the key, or without a signature when no key was given; in that case,
     * when {@code spec} carried one, a warning on the command's {@code err} says the result is
     * unsigned.
     */
    ModelSpec apply(final CommandSpec spec, final ModelSpec modelSpec) {
        if (signer != null) {
            return signer.sign(modelSpec);
        }
        if (modelSpec.getSignature() == null) {
            return modelSpec;
        }
        CommandLines.err(spec).println("warning: publishing version " + modelSpec.getVersion() + " of model '"
                + modelSpec.getName() + "' unsigned: it was signed (key id " + modelSpec.getSignature().getKeyId()
                + "), and the change makes that signature void. Applications with model.signature.required=true will "
                + "refuse it; give --signing-key FILE to sign it.");
        return ModelSpec.newBuilder(modelSpec).setSignature(null).build();
    }

    /** After a write: says which key signed, on the command's {@code out}; nothing when unsigned. */
    void report(final CommandSpec spec) {
        if (signer != null) {
            CommandLines.out(spec).println("signed: Ed25519, key id " + signer.keyId());
        }
    }
}
