//go:build amd64 && !purego

#include "textflag.h"

// func kernelAVX2(a *float32, lda int, p *float32, kb int, c *float32, ldc int, rows int)
//
// C[0:rows, 0:16] += A[0:rows, 0:kb] · P[0:kb, 0:16] for rows in 1..6; A has
// row stride lda, P is a packed panel (16 floats per row), C has row stride
// ldc (strides in floats).
//
// Registers: Y0-Y11 accumulate the tile (row i in Y(2i), Y(2i+1)); Y12, Y13
// hold one row of P; Y14, Y15 hold A[i, r] broadcast. A rows 0-5 are at SI,
// SI+R8, R10, R10+R8, R11, R11+R8. Per step r of the 6-row loop: 2 loads of
// P, 6 broadcasts, 12 FMAs, so the two FMA ports are the bottleneck. Fewer
// rows run a shorter copy of the same loop (used for the last tile of a
// matrix whose height is not a multiple of 6).

// PROW loads row r of the panel.
#define PROW VMOVUPS (DI), Y12; VMOVUPS 32(DI), Y13

// FMAROW broadcasts A[i, r] from addr and accumulates into acc0, acc1.
#define FMAROW(addr, bc, acc0, acc1) VBROADCASTSS addr, bc; VFMADD231PS Y12, bc, acc0; VFMADD231PS Y13, bc, acc1

// NEXT advances P and the A row pointers by one step and loops to label.
#define NEXT(label) ADDQ $64, DI; ADDQ $4, SI; ADDQ $4, R10; ADDQ $4, R11; DECQ CX; JNZ label

// STOREROW adds two accumulators into the 16 floats at addr.
#define STOREROW(reg, acc0, acc1) VADDPS (reg), acc0, acc0; VADDPS 32(reg), acc1, acc1; VMOVUPS acc0, (reg); VMOVUPS acc1, 32(reg)

TEXT ·kernelAVX2(SB), NOSPLIT, $0-56
	MOVQ a+0(FP), SI
	MOVQ lda+8(FP), R8
	SHLQ $2, R8               // lda in bytes
	MOVQ p+16(FP), DI
	MOVQ kb+24(FP), CX
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R9
	SHLQ $2, R9               // ldc in bytes
	MOVQ rows+48(FP), AX
	LEAQ (SI)(R8*2), R10      // A row 2
	LEAQ (R10)(R8*2), R11     // A row 4

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	TESTQ CX, CX
	JZ    store
	CMPQ  AX, $6
	JEQ   loop6
	CMPQ  AX, $5
	JEQ   loop5
	CMPQ  AX, $4
	JEQ   loop4
	CMPQ  AX, $3
	JEQ   loop3
	CMPQ  AX, $2
	JEQ   loop2
	JMP   loop1

loop6:
	PROW
	FMAROW((SI), Y14, Y0, Y1)
	FMAROW((SI)(R8*1), Y15, Y2, Y3)
	FMAROW((R10), Y14, Y4, Y5)
	FMAROW((R10)(R8*1), Y15, Y6, Y7)
	FMAROW((R11), Y14, Y8, Y9)
	FMAROW((R11)(R8*1), Y15, Y10, Y11)
	NEXT(loop6)
	JMP store

loop5:
	PROW
	FMAROW((SI), Y14, Y0, Y1)
	FMAROW((SI)(R8*1), Y15, Y2, Y3)
	FMAROW((R10), Y14, Y4, Y5)
	FMAROW((R10)(R8*1), Y15, Y6, Y7)
	FMAROW((R11), Y14, Y8, Y9)
	NEXT(loop5)
	JMP store

loop4:
	PROW
	FMAROW((SI), Y14, Y0, Y1)
	FMAROW((SI)(R8*1), Y15, Y2, Y3)
	FMAROW((R10), Y14, Y4, Y5)
	FMAROW((R10)(R8*1), Y15, Y6, Y7)
	NEXT(loop4)
	JMP store

loop3:
	PROW
	FMAROW((SI), Y14, Y0, Y1)
	FMAROW((SI)(R8*1), Y15, Y2, Y3)
	FMAROW((R10), Y14, Y4, Y5)
	NEXT(loop3)
	JMP store

loop2:
	PROW
	FMAROW((SI), Y14, Y0, Y1)
	FMAROW((SI)(R8*1), Y15, Y2, Y3)
	NEXT(loop2)
	JMP store

loop1:
	PROW
	FMAROW((SI), Y14, Y0, Y1)
	NEXT(loop1)
	JMP store

store:
	// C rows 0..rows-1 += accumulators; row i is at DX + i*R9.
	STOREROW(DX, Y0, Y1)
	CMPQ AX, $1
	JEQ  done
	ADDQ R9, DX
	STOREROW(DX, Y2, Y3)
	CMPQ AX, $2
	JEQ  done
	ADDQ R9, DX
	STOREROW(DX, Y4, Y5)
	CMPQ AX, $3
	JEQ  done
	ADDQ R9, DX
	STOREROW(DX, Y6, Y7)
	CMPQ AX, $4
	JEQ  done
	ADDQ R9, DX
	STOREROW(DX, Y8, Y9)
	CMPQ AX, $5
	JEQ  done
	ADDQ R9, DX
	STOREROW(DX, Y10, Y11)

done:
	VZEROUPPER
	RET
