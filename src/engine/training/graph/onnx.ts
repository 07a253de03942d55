// The few ONNX protobuf pieces the graph builder needs: element types, tensors, attributes.
// onnx-proto is the ONNX 1.10 schema (IR 8); ORT 1.30 reads IR 8 models with opset 17 fine.
import { onnx } from 'onnx-proto';

/** Element types the builder supports (names as onnxruntime's Tensor types spell them). */
export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool' | 'uint8';

/** A dimension: a number, or a symbol (e.g. 'batch') fixed when the graph runs. */
export type Dim = number | string;
export type Shape = readonly Dim[];

export type TypedData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

export const onnxElementType: Record<DType, onnx.TensorProto.DataType> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float64: onnx.TensorProto.DataType.DOUBLE,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  bool: onnx.TensorProto.DataType.BOOL,
  uint8: onnx.TensorProto.DataType.UINT8,
};

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** Builds a typed array of `dtype` from plain numbers. */
export function typedArray(dtype: DType, values: ArrayLike<number>): TypedData {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'int64':
      return BigInt64Array.from(Array.from(values, (v) => BigInt(Math.trunc(v))));
    case 'int32':
      return Int32Array.from(values);
    case 'bool':
    case 'uint8':
      return Uint8Array.from(values);
  }
}

/** A TensorProto holding `data` as raw little-endian bytes (compact for large weights). */
export function tensorProto(
  name: string,
  dtype: DType,
  dims: readonly number[],
  data: TypedData,
): onnx.ITensorProto {
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new Error(`tensor ${name}: ${data.length} values for shape [${dims.join(', ')}]`);
  }
  // Copy: the proto must not alias a buffer that the caller keeps changing (weights).
  const raw = new Uint8Array(data.byteLength);
  raw.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return { name, dataType: onnxElementType[dtype], dims: [...dims], rawData: raw };
}

/** Attribute values: a number is an INT, `{ float }` a FLOAT, arrays INTS, `{ floats }` FLOATS. */
export type AttributeValue =
  | number
  | readonly number[]
  | string
  | { readonly float: number }
  | { readonly floats: readonly number[] }
  | { readonly tensor: onnx.ITensorProto };

export function attributeProto(name: string, value: AttributeValue): onnx.IAttributeProto {
  const Type = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: ${value} is not an int`);
    return { name, type: Type.INT, i: value };
  }
  if (typeof value === 'string') {
    return { name, type: Type.STRING, s: new TextEncoder().encode(value) };
  }
  if (Array.isArray(value)) return { name, type: Type.INTS, ints: [...(value as number[])] };
  if ('float' in value) return { name, type: Type.FLOAT, f: value.float };
  if ('floats' in value) return { name, type: Type.FLOATS, floats: [...value.floats] };
  if ('tensor' in value) return { name, type: Type.TENSOR, t: value.tensor };
  throw new Error(`attribute ${name}: unsupported value`);
}

export function valueInfoProto(name: string, dtype: DType, shape: Shape): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnxElementType[dtype],
        shape: {
          dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

export function encodeModel(model: onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

export function decodeModel(bytes: Uint8Array): onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
