"""onyx: an ONNX inference runtime with onnxruntime's Python API.

Scripts written for onnxruntime switch with one line::

    import onyx as ort
    sess = ort.InferenceSession("model.onnx")
    outputs = sess.run(None, {"input": x})
"""
import datetime
import enum
import os
import warnings

# Idle OpenMP threads spin for a bounded time, then sleep (see src/core/spin_policy.h);
# libgomp reads this when it loads, which is when _onyx is imported.
if "OMP_WAIT_POLICY" not in os.environ:
    os.environ.setdefault("GOMP_SPINCOUNT", "100000")
from . import _onyx  # noqa: E402

__version__ = "0.1.0"

_PROVIDERS = ["CPUExecutionProvider"]


# ---- errors: one class per failure kind, all OnyxError ----------------------------------------
class OnyxError(Exception):
    """Base of every error onyx raises."""


class InvalidArgument(OnyxError, ValueError):
    """A bad call: unknown input or output name, wrong dtype, rank or shape."""


class NoSuchFile(OnyxError, FileNotFoundError):
    """The model file (or a file it refers to) does not exist."""


class InvalidGraph(OnyxError):
    """The model is malformed: unreadable protobuf, dangling value, cycle, bad attribute."""


class NotImplemented(OnyxError, NotImplementedError):  # noqa: A001 (onnxruntime's name)
    """An operator, opset or element type onyx does not serve (yet)."""


class RuntimeException(OnyxError, RuntimeError):
    """A failure while running the model."""


Fail = OnyxError  # onnxruntime's generic failure class

_onyx._set_error_classes({
    "InvalidArgument": InvalidArgument,
    "NoSuchFile": NoSuchFile,
    "InvalidGraph": InvalidGraph,
    "NotImplemented": NotImplemented,
    "RuntimeException": RuntimeException,
})


# ---- options ---------------------------------------------------------------------------------
class GraphOptimizationLevel(enum.IntEnum):
    ORT_DISABLE_ALL = 0
    ORT_ENABLE_BASIC = 1
    ORT_ENABLE_EXTENDED = 2
    ORT_ENABLE_ALL = 99


class ExecutionMode(enum.IntEnum):
    ORT_SEQUENTIAL = 0
    ORT_PARALLEL = 1


class SessionOptions:
    """Options of an InferenceSession, named as in onnxruntime."""

    def __init__(self):
        self.intra_op_num_threads = 0  # 0: one per physical core
        self.inter_op_num_threads = 0
        self.execution_mode = ExecutionMode.ORT_SEQUENTIAL
        self.graph_optimization_level = GraphOptimizationLevel.ORT_ENABLE_ALL
        self.optimized_model_filepath = ""
        self.enable_profiling = False
        self.profile_file_prefix = "onyx_profile"
        self.log_severity_level = 2
        self.log_verbosity_level = 0
        self.logid = ""
        self.enable_cpu_mem_arena = True
        self.enable_mem_pattern = True
        self._custom_ops = None  # _onyx._CustomOps, made by the first library

    def register_custom_ops_library(self, path):
        """Loads a custom-op library (a shared object exporting onyx_register_custom_ops, see
        docs/c-api.md) now; sessions made with these options can run its operators."""
        if self._custom_ops is None:
            self._custom_ops = _onyx._CustomOps()
        self._custom_ops.load(os.fspath(path))


class RunOptions:
    """Accepted for compatibility; onyx reads none of these yet."""

    def __init__(self):
        self.log_severity_level = 2
        self.log_verbosity_level = 0
        self.logid = ""
        self.terminate = False


# ---- metadata --------------------------------------------------------------------------------
class NodeArg:
    """An input or output of a model: name, type string ('tensor(float)') and shape (ints,
    strings for symbolic dims, None for unknown ones)."""

    def __init__(self, name, type, shape):  # noqa: A002 (onnxruntime's name)
        self.name = name
        self.type = type
        self.shape = shape

    def __repr__(self):
        return f"NodeArg(name={self.name!r}, type={self.type!r}, shape={self.shape!r})"


class ModelMetadata:
    def __init__(self, d):
        self.producer_name = d["producer_name"]
        self.graph_name = d["graph_name"]
        self.domain = d["domain"]
        self.description = d["description"]
        self.graph_description = ""
        self.version = d["version"]
        self.custom_metadata_map = d["custom_metadata_map"]


def get_available_providers():
    return list(_PROVIDERS)


def get_all_providers():
    return list(_PROVIDERS)


def get_device():
    return "CPU"


def get_version_string():
    return __version__


# ---- the session -----------------------------------------------------------------------------
def _optimizer_level(level):
    """onnxruntime's GraphOptimizationLevel (0, 1, 2, 99) as onyx's optimizer level (0..3)."""
    level = int(level)
    if level not in (0, 1, 2, 99):
        raise InvalidArgument(f"graph_optimization_level must be 0, 1, 2 or 99, got {level}")
    return 3 if level == 99 else level


class InferenceSession:
    """A loaded, validated, planned model; `run` may be called from several threads at once."""

    def __init__(self, path_or_bytes, sess_options=None, providers=None, provider_options=None,
                 **kwargs):
        options = sess_options if sess_options is not None else SessionOptions()
        if providers:
            names = [p[0] if isinstance(p, (tuple, list)) else p for p in providers]
            unknown = [p for p in names if p not in _PROVIDERS]
            if unknown:
                warnings.warn(f"onyx has no provider {', '.join(unknown)}; using "
                              f"{', '.join(_PROVIDERS)}", RuntimeWarning, stacklevel=2)
        if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
            model = bytes(path_or_bytes)
            self._model_path = None
        else:
            model = os.fspath(path_or_bytes)
            self._model_path = model
        self._sess_options = options
        self._session = _onyx._Session(
            model, int(options.intra_op_num_threads), getattr(options, "_custom_ops", None),
            _optimizer_level(options.graph_optimization_level),
            int(getattr(options, "execution_mode", 0)) == int(ExecutionMode.ORT_PARALLEL),
            int(getattr(options, "inter_op_num_threads", 0)),
            bool(getattr(options, "enable_mem_pattern", True)))
        if options.optimized_model_filepath:
            # The graph as the session runs it, after the optimizer (fused ops in domain onyx).
            self._session.save_optimized(os.fspath(options.optimized_model_filepath))
        self._profiling = bool(options.enable_profiling)
        if self._profiling:
            self._session.start_profiling()
        self._inputs = [NodeArg(*t) for t in self._session.inputs()]
        self._overridable = [NodeArg(*t) for t in self._session.overridable_initializers()]
        self._outputs = [NodeArg(*t) for t in self._session.outputs()]

    def get_inputs(self):
        return list(self._inputs)

    def get_outputs(self):
        return list(self._outputs)

    def get_overridable_initializers(self):
        return list(self._overridable)

    def get_modelmeta(self):
        return ModelMetadata(self._session.metadata())

    def get_providers(self):
        return list(_PROVIDERS)

    def get_provider_options(self):
        return {p: {} for p in _PROVIDERS}

    def get_session_options(self):
        return self._sess_options

    def set_providers(self, providers=None, provider_options=None):
        if providers:
            unknown = [p for p in providers if p not in _PROVIDERS]
            if unknown:
                raise ValueError(f"unknown providers {unknown}; onyx has {_PROVIDERS}")

    def end_profiling(self):
        """Stops profiling and writes the Chrome trace (per-node events of every run since the
        session was made) to `<profile_file_prefix>_<date>_<time>.json` in the current folder;
        returns that file name, or "" when profiling was not enabled."""
        if not self._profiling:
            return ""
        stamp = datetime.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
        path = f"{self._sess_options.profile_file_prefix}_{stamp}.json"
        self._session.end_profiling(path)
        self._profiling = False
        return path

    def run(self, output_names, input_feed, run_options=None):
        """Runs the model: `output_names` None for all outputs; `input_feed` maps input names
        to NumPy arrays (or lists / scalars, converted to the input's element type; lists for
        sequences, dicts for maps, None for empty optionals). Returns a list of outputs."""
        if not isinstance(input_feed, dict):
            raise InvalidArgument("input_feed must be a dict of input name -> value")
        names = None if output_names is None else list(output_names)
        return self._session.run(names, input_feed)


__all__ = [
    "InferenceSession", "SessionOptions", "RunOptions", "GraphOptimizationLevel",
    "ExecutionMode", "NodeArg", "ModelMetadata", "get_available_providers", "get_all_providers",
    "get_device", "get_version_string", "OnyxError", "InvalidArgument", "NoSuchFile",
    "InvalidGraph", "NotImplemented", "RuntimeException", "Fail",
]
