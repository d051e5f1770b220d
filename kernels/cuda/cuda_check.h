/* Checks every CUDA runtime call and kernel launch, naming the file and line; used by the
 * CUDA sources (.cu) and the C driver alike. Returns from the enclosing function (which
 * returns a via_status int and has a via_error *err in scope) after writing err. */
#ifndef VIA_KERNELS_CUDA_CHECK_H
#define VIA_KERNELS_CUDA_CHECK_H
#include <cuda_runtime_api.h>
#include <stdio.h>

#define VIA_EDEVICE_CODE 6 /* VIA_EDEVICE of common/include/via/status.h, usable from C++ */

/* err_msg: a char buffer of at least 512 bytes (via_error.msg) */
#define VIA_CUDA_CHECK(call, err_msg)                                                              \
    do {                                                                                           \
        cudaError_t cuda_rc_ = (call);                                                             \
        if (cuda_rc_ != cudaSuccess) {                                                             \
            if (err_msg)                                                                           \
                snprintf((err_msg), 512, "CUDA %s failed: %s (%s:%d)", #call,                      \
                         cudaGetErrorString(cuda_rc_), __FILE__, __LINE__);                        \
            return VIA_EDEVICE_CODE;                                                               \
        }                                                                                          \
    } while (0)

/* After a <<<...>>> launch: the launch error, then nothing else (kernels run async); the
 * message names the kernel (name: a C string). */
#define VIA_CUDA_CHECK_LAUNCH(name, err_msg)                                                       \
    do {                                                                                           \
        cudaError_t cuda_rc_ = cudaGetLastError();                                                 \
        if (cuda_rc_ != cudaSuccess) {                                                             \
            if (err_msg)                                                                           \
                snprintf((err_msg), 512, "CUDA launch of %s failed: %s (%s:%d)", (name),           \
                         cudaGetErrorString(cuda_rc_), __FILE__, __LINE__);                        \
            return VIA_EDEVICE_CODE;                                                               \
        }                                                                                          \
    } while (0)
#endif
