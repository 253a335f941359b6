"""The start-up line filter around TensorFlow's import: noise dropped, errors and Python's own output kept."""

from __future__ import annotations

import sys

from archsearch._quiet import _QuietTensorFlowImport, is_start_up_line

NOISY_INIT = '''
import os, sys
os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n")
os.write(2, b"I0000 00:00:1796409444.773101    7148 port.cc:153] oneDNN custom operations are on.\\n")
os.write(2, b"W0000 00:00:1796409444.80    7148 cpu_feature_guard.cc:227] This binary is optimized\\n")
os.write(2, b"E0000 00:00:1796409444.90    7148 cuda_dnn.cc:8579] Unable to register cuDNN factory\\n")
print("a Python line during the import", file=sys.stderr)
LOADED = True
'''


def test_the_import_keeps_errors_and_python_output_and_drops_the_start_up_lines(tmp_path, monkeypatch, capfd):
    (tmp_path / "noisy_tf_stand_in").mkdir()
    (tmp_path / "noisy_tf_stand_in" / "__init__.py").write_text(NOISY_INIT)
    monkeypatch.syspath_prepend(str(tmp_path))
    finder = _QuietTensorFlowImport("noisy_tf_stand_in")
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    monkeypatch.delitem(sys.modules, "noisy_tf_stand_in", raising=False)

    import noisy_tf_stand_in

    err = capfd.readouterr().err
    assert noisy_tf_stand_in.LOADED
    assert finder not in sys.meta_path  # one shot
    assert type(noisy_tf_stand_in.__loader__).__name__ == "SourceFileLoader"  # the module sees its own loader
    assert "Unable to register cuDNN factory" in err
    assert "a Python line during the import" in err
    assert "oneDNN" not in err and "absl::InitializeLog" not in err and "cpu_feature_guard" not in err


def test_start_up_lines_are_absl_info_and_warning_lines_only():
    assert is_start_up_line("I1204 18:31:15.628042    11 port.cc:153] oneDNN custom operations are on.")
    assert is_start_up_line("W0000 00:00:1796409444.773101    7148 cpu_feature_guard.cc:227] optimized")
    assert not is_start_up_line("E0000 00:00:1796409444.773101    7148 cuda_blas.cc:1407] Unable to register")
    assert is_start_up_line("To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild")
    assert not is_start_up_line("I am a line someone printed")
    assert not is_start_up_line("Traceback (most recent call last):")
