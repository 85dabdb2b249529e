package io.scorestream.inference.onnx;

import static io.scorestream.inference.onnx.OrtTestSupport.session;
import static io.scorestream.inference.onnx.OrtTestSupport.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OnnxGraphBuilderTest {

    @Test
    void danglingNodeInputFailsNamingTheValue() {
        // given
        final OnnxGraphBuilder b = new OnnxGraphBuilder("g")
                .input("x", ElementType.FLOAT, -1, 2)
                .output("y", ElementType.FLOAT, -1, 2)
                .node("Add", List.of("x", "bias_that_does_not_exist"), List.of("y"));
        // when
        final IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
        // then
        assertTrue(e.getMessage().contains("bias_that_does_not_exist"), e.getMessage());
    }

    @Test
    void nodeConsumingALaterNodesOutputFails() {
        final OnnxGraphBuilder b = new OnnxGraphBuilder("g")
                .input("x", ElementType.FLOAT, -1, 2)
                .output("z", ElementType.FLOAT, -1, 2)
                .node("Relu", List.of("y"), List.of("z"))
                .node("Relu", List.of("x"), List.of("y"));
        final IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
        assertTrue(e.getMessage().contains("'y'"), e.getMessage());
    }

    @Test
    void unproducedOutputFailsNamingTheOutput() {
        final OnnxGraphBuilder b = new OnnxGraphBuilder("g")
                .input("x", ElementType.FLOAT, -1, 2)
                .output("y", ElementType.FLOAT, -1, 2)
                .output("forgotten", ElementType.FLOAT, -1, 2)
                .node("Relu", List.of("x"), List.of("y"));
        final IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
        assertTrue(e.getMessage().contains("forgotten"), e.getMessage());
    }

    @Test
    void valueDefinedTwiceFails() {
        final OnnxGraphBuilder b = new OnnxGraphBuilder("g")
                .input("x", ElementType.FLOAT, -1, 2)
                .output("x2", ElementType.FLOAT, -1, 2)
                .node("Relu", List.of("x"), List.of("x2"))
                .node("Neg", List.of("x"), List.of("x2"));
        final IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
        assertTrue(e.getMessage().contains("x2"), e.getMessage());
    }

    @Test
    void unknownDomainNeedsAnExplicitOpset() {
        final OnnxGraphBuilder b = new OnnxGraphBuilder("g")
                .input("x", ElementType.FLOAT, -1, 2)
                .output("y", ElementType.FLOAT, -1, 2)
                .node("com.example", "Magic", List.of("x"), List.of("y"));
        final IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
        assertTrue(e.getMessage().contains("com.example"), e.getMessage());
        b.opset("com.example", 1);
        assertTrue(b.build().length > 0);
    }

    @Test
    void initializerShapeMustMatchItsData() {
        final OnnxGraphBuilder b = new OnnxGraphBuilder("g");
        assertThrows(IllegalArgumentException.class, () -> b.initializer("w", new float[5], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> b.input("x", ElementType.FLOAT, -2, 3));
    }

    @Test
    void modelStartsWithItsIrVersion() {
        final byte[] model = new OnnxGraphBuilder("g")
                .input("x", ElementType.FLOAT, -1, 2)
                .output("y", ElementType.FLOAT, -1, 2)
                .node("Relu", List.of("x"), List.of("y"))
                .build();
        // field 1 (ir_version), varint
        assertEquals(0x08, model[0]);
        assertEquals(OnnxGraphBuilder.IR_VERSION, model[1]);
    }

    @Test
    void handBuiltGraphWithConstantAndInt64ValuesRuns() throws OrtException {
        // given: y = ArgMax(x * c + w, axis 1), with c a Constant node and w an initializer
        final byte[] model = new OnnxGraphBuilder("argmax")
                .input("x", ElementType.FLOAT, -1, 3)
                .output("y", ElementType.INT64, -1, 1)
                .initializer("w", new float[] {0f, 0f, 10f}, 3)
                .node("Constant", List.of(), List.of("c"), OnnxAttribute.tensor("value", new float[] {1f, 1f, -1f}, 3))
                .node("Mul", List.of("x", "c"), List.of("xc"))
                .node("Add", List.of("xc", "w"), List.of("s"))
                .node("ArgMax", List.of("s"), List.of("y"), OnnxAttribute.intAttr("axis", 1),
                        OnnxAttribute.intAttr("keepdims", 1))
                .build();
        try (OrtSession s = session(model);
             OnnxTensor x = tensor(new float[] {5f, 1f, 0f, 1f, 20f, 0f, 0f, 0f, 0f}, 3, 3);
             // when
             OrtSession.Result r = s.run(Map.of("x", x))) {
            // then: row 0 -> [5, 1, 10] -> 2; row 1 -> [1, 20, 10] -> 1; row 2 -> [0, 0, 10] -> 2
            final LongBuffer y = ((OnnxTensor) r.get("y").orElseThrow()).getLongBuffer();
            final long[] got = new long[3];
            y.get(got);
            assertArrayEquals(new long[] {2, 1, 2}, got);
        }
    }
}
