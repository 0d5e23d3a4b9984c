package dev.lethe.engine.io;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Refuses pickle-based checkpoints ({@code .bin}, {@code .pt}, {@code .pth}, {@code .ckpt}, {@code .pkl},
 * {@code .pickle}): loading a pickle can run arbitrary code, so Lethe never unpickles. The refusal message explains how
 * to convert the checkpoint to safetensors with Python. A folder is refused only when it holds pickle weights and no
 * safetensors weights (Hugging Face repositories often ship both).
 */
public final class UnsafeCheckpoints {
    private static final List<String> PICKLE_SUFFIXES = List.of(".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle",
            ".bin.index.json");

    private UnsafeCheckpoints() {
    }

    /** True when the file name has a pickle checkpoint suffix (including {@code pytorch_model.bin.index.json}). */
    public static boolean isPickleName(String fileName) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        for (String s : PICKLE_SUFFIXES) {
            if (lower.endsWith(s)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Throws {@link CheckpointFormatException} with conversion instructions when {@code fileOrDir} is a pickle
     * checkpoint, or a folder with pickle weights and no {@code .safetensors} file; does nothing otherwise.
     */
    public static void refuseIfUnsafe(Path fileOrDir) throws CheckpointFormatException {
        Path name = fileOrDir.getFileName();
        if (name != null && !Files.isDirectory(fileOrDir) && isPickleName(name.toString())) {
            throw new CheckpointFormatException(message(fileOrDir, fileOrDir));
        }
        if (!Files.isDirectory(fileOrDir)) {
            return;
        }
        List<Path> pickles = new ArrayList<>();
        boolean hasSafetensors = false;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(fileOrDir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.endsWith(".safetensors") || n.endsWith(".safetensors.index.json")) {
                    hasSafetensors = true;
                } else if (Files.isRegularFile(p) && isPickleName(n)) {
                    pickles.add(p);
                }
            }
        } catch (IOException e) {
            return; // an unreadable folder is reported by whoever reads it next
        }
        if (!hasSafetensors && !pickles.isEmpty()) {
            pickles.sort(null);
            throw new CheckpointFormatException(message(fileOrDir, pickles.get(0)));
        }
    }

    private static String message(Path where, Path pickle) {
        String file = pickle.getFileName().toString();
        return where + ": refusing to load '" + file + "': it is a PyTorch/pickle checkpoint, and unpickling can run"
                + " arbitrary code, so Lethe reads only safetensors. Convert it once with Python (from a source you"
                + " trust), then point Lethe at the result:\n"
                + "  # a Hugging Face model folder:\n"
                + "  from transformers import AutoModelForCausalLM\n"
                + "  AutoModelForCausalLM.from_pretrained('MODEL_DIR').save_pretrained('MODEL_DIR-safetensors',"
                + " safe_serialization=True)\n"
                + "  # a bare state dict:\n"
                + "  import torch; from safetensors.torch import save_file\n"
                + "  sd = torch.load('" + file + "', map_location='cpu', weights_only=True)\n"
                + "  save_file({k: v.detach().clone().contiguous() for k, v in sd.items()}, 'model.safetensors',"
                + " metadata={'format': 'pt'})";
    }
}
